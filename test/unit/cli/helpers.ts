// Runs the CLI in-process with captured output, or as a child process for exit codes and signals.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { runCli } from '../../../main/cli/run';
import type { CliIo } from '../../../main/cli/cli-io';

export { skipWithoutMobilenet } from '../../helpers/backbones';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** `interrupt` lets a test press Ctrl+C at a moment of its choosing. */
export async function cli(argv: string[], opts: { tty?: boolean; onErr?: (text: string, interrupt: () => void) => void } = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const handlers = new Set<() => void>();
  const interrupt = () => handlers.forEach((h) => h());
  const io: CliIo = {
    out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => {
      err += t;
      opts.onErr?.(t, interrupt);
    },
    isTTY: opts.tty ?? false,
    columns: 100,
    onInterrupt: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** `node --import tsx main/cli/index.ts …` from the project root. */
export function spawnCli(argv: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'main', 'cli', 'index.ts'), ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}
