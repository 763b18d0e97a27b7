/**
 * What a CLI command talks to: output streams, whether stderr is a terminal, and Ctrl+C. Commands take
 * a CliIo instead of touching `process` so tests can run them in-process and read what they print.
 */
import { AppError, CancelledError } from '../core/errors';
import { UnknownCallError } from '../api/errors';
import { ModelFileError } from '../runs/model-io';

export interface CliIo {
  /** Results (tables, CSV, JSON): stdout. */
  out(text: string): void;
  /** Progress, notes and errors: stderr. */
  err(text: string): void;
  /** stderr is a terminal: draw a live progress bar instead of plain lines. */
  isTTY: boolean;
  columns: number;
  /** Calls `handler` on Ctrl+C (SIGINT) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    columns: process.stderr.columns || 80,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}

/** Exit codes: 0 ok, 1 the work failed, 2 bad usage or input, 130 interrupted (128 + SIGINT). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A problem the user can fix; printed as one line. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Command {
  name: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * Wraps a command body: `--help`/`-h` prints its help, and every error a user can act on (bad flag,
 * unknown run, missing file, damaged model) becomes one line on stderr with a non-zero exit code.
 */
export function defineCommand(name: string, help: string, body: (args: string[], io: CliIo) => Promise<number>): Command {
  return {
    name,
    help,
    async run(args, io) {
      if (args.includes('--help') || args.includes('-h')) {
        io.out(help.trimEnd());
        return EXIT.ok;
      }
      try {
        return await body(args, io);
      } catch (err) {
        const { message, code } = describeError(err);
        io.err(`poster-tagger ${name}: ${message.split('\n')[0]}\n`);
        return code;
      }
    },
  };
}

function describeError(err: unknown): { message: string; code: number } {
  if (err instanceof CliError) return { message: err.message, code: err.exitCode };
  if (err instanceof CancelledError) return { message: 'cancelled', code: EXIT.interrupted };
  if (err instanceof AppError || err instanceof UnknownCallError) return { message: err.message, code: EXIT.usage };
  if (err instanceof ModelFileError) return { message: err.message, code: EXIT.usage };
  // node:util parseArgs: unknown flag, missing value…
  const code = (err as { code?: string })?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return { message: `${(err as Error).message} (see --help)`, code: EXIT.usage };
  return { message: err instanceof Error ? err.message : String(err), code: EXIT.failed };
}
