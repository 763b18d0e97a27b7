/**
 * A run's tagging settings (table from migration 006_run_tagging): decision mode, "at most N tags", the
 * per-genre thresholds the user saved in the Evaluation view, and which run is the user's default model.
 * A run without a row tags with its model's balanced rule and no limit.
 */
import type { Db } from '../db/database';
import { MODES, type Mode } from '../ml/decision-rule';
import type { TagOptions } from './head-tags';
import { getRun } from './runs-repo';
import { InvalidError, NotFoundError } from '../core/errors';

export interface RunTagging {
  mode: Mode;
  /** At most this many automatic tags per poster; null: no limit. */
  maxTags: number | null;
  /** Saved per-genre thresholds in the run's genre order (null keeps the model's); null when none is saved. */
  overrides: (number | null)[] | null;
  /** The run the user marked as the default model (at most one). */
  preferred: boolean;
  /** When the settings or the default mark last changed; null when the run never had any. */
  updatedAt: string | null;
}

export interface RunTaggingPatch {
  mode?: Mode;
  maxTags?: number | null;
  overrides?: readonly (number | null)[] | null;
}

/** The most "at most N tags" can be (the UI offers 1-5; the CLI and API allow more). */
export const MAX_TAGS_LIMIT = 50;

interface Row {
  mode: Mode;
  max_tags: number | null;
  overrides: string | null;
  preferred: number;
  updated_at: string;
}

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ','now')`;

export const DEFAULT_TAGGING: Readonly<RunTagging> = Object.freeze({ mode: 'balanced', maxTags: null, overrides: null, preferred: false, updatedAt: null });

function toTagging(r: Row | undefined): RunTagging {
  if (!r) return { ...DEFAULT_TAGGING };
  return {
    mode: r.mode,
    maxTags: r.max_tags,
    overrides: r.overrides === null ? null : (JSON.parse(r.overrides) as (number | null)[]),
    preferred: r.preferred === 1,
    updatedAt: r.updated_at,
  };
}

export function getRunTagging(db: Db, runId: number): RunTagging {
  return toTagging(db.prepare('SELECT mode, max_tags, overrides, preferred, updated_at FROM run_tagging WHERE run_id = ?').get(runId) as Row | undefined);
}

/** Every run's settings that differ from the defaults, by run id (one query for lists). */
export function allRunTagging(db: Db): Map<number, RunTagging> {
  const rows = db.prepare('SELECT run_id, mode, max_tags, overrides, preferred, updated_at FROM run_tagging').all() as (Row & { run_id: number })[];
  return new Map(rows.map((r) => [r.run_id, toTagging(r)]));
}

/**
 * Checks saved thresholds against the run's genres: one per genre, each a number in [0, 1] or null.
 * All null (nothing changed) is stored as "none saved".
 */
export function normaliseOverrides(overrides: readonly (number | null)[] | null | undefined, genres: readonly string[]): (number | null)[] | null {
  if (overrides === null || overrides === undefined) return null;
  if (overrides.length !== genres.length) {
    throw new InvalidError(
      `Got ${overrides.length} thresholds for the run's ${genres.length} genres (${genres.join(', ')}); give one per genre, null to keep the model's.`,
    );
  }
  overrides.forEach((t, j) => {
    if (t !== null && (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 1))
      throw new InvalidError(`The threshold for ${genres[j]} must be between 0 and 1 (got ${String(t)}).`);
  });
  return overrides.every((t) => t === null) ? null : [...overrides];
}

/** Changes the given settings of a run (the others are kept) and returns them all. */
export function setRunTagging(db: Db, runId: number, patch: RunTaggingPatch): RunTagging {
  const run = getRun(db, runId);
  if (!run) throw new NotFoundError(`There is no run #${runId}.`);
  if (patch.mode !== undefined && !MODES.includes(patch.mode)) throw new InvalidError(`Unknown mode "${String(patch.mode)}" (use ${MODES.join(', ')}).`);
  if (patch.maxTags !== undefined && patch.maxTags !== null && (!Number.isInteger(patch.maxTags) || patch.maxTags < 1 || patch.maxTags > MAX_TAGS_LIMIT)) {
    throw new InvalidError(`"At most N tags" must be a whole number from 1 to ${MAX_TAGS_LIMIT} (got ${patch.maxTags}).`);
  }
  const overrides = patch.overrides === undefined ? undefined : normaliseOverrides(patch.overrides, run.genres);
  const current = getRunTagging(db, runId);
  const next = {
    mode: patch.mode ?? current.mode,
    maxTags: patch.maxTags === undefined ? current.maxTags : patch.maxTags,
    overrides: overrides === undefined ? current.overrides : overrides,
  };
  db.prepare(
    `INSERT INTO run_tagging (run_id, mode, max_tags, overrides) VALUES (@runId, @mode, @maxTags, @overrides)
     ON CONFLICT (run_id) DO UPDATE SET mode = excluded.mode, max_tags = excluded.max_tags, overrides = excluded.overrides, updated_at = ${NOW}`,
  ).run({ runId, mode: next.mode, maxTags: next.maxTags, overrides: next.overrides === null ? null : JSON.stringify(next.overrides) });
  return getRunTagging(db, runId);
}

/** Marks `runId` as the default model (unmarking any other), or unmarks it with `preferred: false`. */
export function setPreferredRun(db: Db, runId: number, preferred = true): void {
  if (!getRun(db, runId)) throw new NotFoundError(`There is no run #${runId}.`);
  db.transaction(() => {
    if (preferred) {
      db.prepare(`UPDATE run_tagging SET preferred = 0, updated_at = ${NOW} WHERE preferred = 1 AND run_id <> ?`).run(runId);
      db.prepare(`INSERT INTO run_tagging (run_id, preferred) VALUES (?, 1) ON CONFLICT (run_id) DO UPDATE SET preferred = 1, updated_at = ${NOW}`).run(runId);
    } else {
      db.prepare(`UPDATE run_tagging SET preferred = 0, updated_at = ${NOW} WHERE run_id = ?`).run(runId);
    }
  })();
}

/** The run the user marked as the default model, if any. */
export function preferredRunId(db: Db): number | undefined {
  return db.prepare('SELECT run_id FROM run_tagging WHERE preferred = 1').pluck().get() as number | undefined;
}

/** The saved settings as TagOptions (what headTags takes). */
export function tagOptionsOf(t: Pick<RunTagging, 'mode' | 'maxTags' | 'overrides'>): TagOptions {
  const opts: TagOptions = { mode: t.mode };
  if (t.maxTags !== null) opts.maxTags = t.maxTags;
  if (t.overrides !== null) opts.overrides = t.overrides;
  return opts;
}

/** The run's saved tagging settings as TagOptions: what Tag, Try it, predict, eval and exports use by default. */
export function runTagOptions(db: Db, runId: number): TagOptions {
  return tagOptionsOf(getRunTagging(db, runId));
}

/** One-off choices on top of the saved settings (a CLI flag, a request field). maxTags null or 0: no limit. */
export type TagChoice = Omit<TagOptions, 'maxTags'> & { maxTags?: number | null };

/** The saved options with the explicit choices on top; undefined fields keep the saved value. */
export function mergeTagOptions(saved: TagOptions, explicit: TagChoice | undefined): TagOptions {
  const out: TagOptions = { ...saved };
  if (!explicit) return out;
  if (explicit.mode !== undefined) out.mode = explicit.mode;
  if (explicit.maxTags !== undefined) {
    if (explicit.maxTags === null || explicit.maxTags === 0) delete out.maxTags;
    else out.maxTags = explicit.maxTags;
  }
  if (explicit.overrides !== undefined) out.overrides = explicit.overrides;
  if (explicit.threshold !== undefined && explicit.threshold !== null) out.threshold = explicit.threshold;
  return out;
}
