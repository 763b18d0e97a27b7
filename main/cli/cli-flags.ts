/** Flag parsing shared by the commands (node:util parseArgs, strict), with one-line errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cli-io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Every command that opens the data folder takes this flag. */
export const DATA_DIR = { 'data-dir': { type: 'string' } } as const;

/** Parses flags and checks the number of positional arguments (`usage` is the one-line synopsis). */
export function parseCommand<O extends Options>(args: string[], options: O, positionals: { min: number; max?: number; usage: string }) {
  const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new CliError(`missing argument. Usage: ${positionals.usage}`);
  if (positionals.max !== undefined && n > positionals.max)
    throw new CliError(`too many arguments (${parsed.positionals.slice(positionals.max).join(' ')}). Usage: ${positionals.usage}`);
  return parsed;
}

/** A run id as the user types it: `3`, `#3` or `run-3`. */
export function parseRunId(text: string): number {
  const m = /^(?:#|run-)?(\d{1,9})$/i.exec(text.trim());
  const id = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(id) || id <= 0) throw new CliError(`"${text}" is not a run id (a positive number, see "poster-tagger runs").`);
  return id;
}

/** A number flag within bounds; undefined when the flag was not given. */
export function parseNumber(
  text: string | undefined,
  flag: string,
  opts: { min: number; max: number; integer?: boolean; exclusiveMin?: boolean },
): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text.trim());
  const below = opts.exclusiveMin ? v <= opts.min : v < opts.min;
  if (text.trim() === '' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || below || v > opts.max) {
    const kind = opts.integer ? 'a whole number' : 'a number';
    throw new CliError(
      `--${flag} must be ${kind} ${opts.exclusiveMin ? 'above' : 'from'} ${opts.min} ${opts.exclusiveMin ? 'and at most' : 'to'} ${opts.max} (got "${text}").`,
    );
  }
  return v;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(text: string | undefined, flag: string, choices: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) throw new CliError(`--${flag} must be one of ${choices.join(', ')} (got "${text}").`);
  return text as T;
}

/** The tagging flags of predict and tag. */
export const TAG_FLAGS = { mode: { type: 'string' }, 'max-tags': { type: 'string' } } as const;

export const TAG_MODES = ['precise', 'balanced', 'broad'] as const;
export type TagModeFlag = (typeof TAG_MODES)[number];

/** --mode and --max-tags N (0: no limit); undefined when not given. */
export function parseTagFlags(values: { mode?: string; 'max-tags'?: string }): { mode?: TagModeFlag; maxTags?: number } {
  return {
    mode: parseChoice(values.mode, 'mode', TAG_MODES),
    maxTags: parseNumber(values['max-tags'], 'max-tags', { min: 0, max: 50, integer: true }),
  };
}

/** "precise mode, at most 2 tags, 3 saved thresholds" — how a run tags, for a note on stderr. */
export function describeTagging(t: { mode: string; maxTags: number | null; overrides: readonly (number | null)[] | null }): string {
  const saved = t.overrides?.filter((x) => x !== null).length ?? 0;
  return [
    `${t.mode} mode`,
    t.maxTags ? `at most ${t.maxTags} tag${t.maxTags === 1 ? '' : 's'}` : '',
    saved ? `${saved} saved threshold${saved === 1 ? '' : 's'}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}
