import fs from 'node:fs';
import type { Db } from '../db/database';
import { getRun, listRuns, type Run } from './runs-repo';
import { preferredRunId } from './run-tagging-repo';
import { ConflictError, NotFoundError } from '../core/errors';

/** Why a run was chosen: named by the caller, marked as the default by the user, or the latest finished one. */
export type ChoiceKind = 'given' | 'preferred' | 'same-genres' | 'latest';

export interface RunChoice {
  run: Run;
  kind: ChoiceKind;
  /** For the user: "marked as default by you", "latest finished run", … */
  reason: string;
}

export interface ChoiceContext {
  /** The genres the model should predict (e.g. a library's vocabulary): the latest run on them wins. */
  genres?: readonly string[];
  /** Choose as if this run were gone (what would take over after deleting it). */
  without?: number;
}

export function usableRun(run: Run): boolean {
  return run.status === 'done' && Boolean(run.modelPath && fs.existsSync(run.modelPath));
}

const sameGenres = (a: readonly string[], b: readonly string[]) => {
  const key = (list: readonly string[]) => [...new Set(list.map((g) => g.trim().toLowerCase()))].sort().join('\n');
  return key(a) === key(b);
};

/** Finished runs with a model, the one that finished last first (imports count from when they were added). */
function finishedRuns(db: Db): Run[] {
  const time = (r: Run) => r.finishedAt ?? r.createdAt;
  return listRuns(db)
    .filter(usableRun)
    .sort((a, b) => time(b).localeCompare(time(a)) || b.id - a.id);
}

/**
 * The run to tag with: the given one (which must have a saved model); else the run the user marked as the
 * default model, when it still has one; else the latest finished run on the same genres (those of the
 * context, or of the marked run whose model is gone); else the latest finished run. Imported models are
 * only chosen automatically when no run trained here has a model (marking one as default always works). Validation metrics
 * play no part: a run trained on a handful of posters can show a perfect mAP. Throws a message for the
 * user when there is no usable run.
 */
export function chooseRun(db: Db, runId?: number, context: ChoiceContext = {}): RunChoice {
  if (runId !== undefined) {
    const run = getRun(db, runId);
    if (!run) throw new NotFoundError(`There is no run #${runId}.`);
    if (!usableRun(run)) throw new ConflictError(`Run #${runId} has no saved model (it is ${run.status}); pick a finished run.`);
    return { run, kind: 'given', reason: 'chosen by you' };
  }
  const runs = finishedRuns(db).filter((r) => r.id !== context.without);
  if (runs.length === 0) throw new NotFoundError('There is no trained model yet: train one first (or name a run).');
  const markedId = preferredRunId(db);
  const preferredId = markedId === context.without ? undefined : markedId;
  const preferred = preferredId === undefined ? undefined : getRun(db, preferredId);
  if (preferred && usableRun(preferred)) return { run: preferred, kind: 'preferred', reason: 'marked as default by you' };

  // An imported model never takes over silently: while a run trained here has a model, the automatic
  // choice is among those (importing a file must not switch the model Tag uses); imports count only
  // when there is nothing else, and the reason then says it is an imported model.
  const trainedHere = runs.filter((r) => !r.imported);
  const pool = trainedHere.length ? trainedHere : runs;
  const what = trainedHere.length ? 'latest finished run' : 'latest imported model';
  const onlyImports = trainedHere.length ? '' : ' (no run trained here has a model)';
  const genres = context.genres?.length ? context.genres : preferred?.genres;
  if (genres?.length) {
    const match = pool.find((r) => sameGenres(r.genres, genres));
    if (match) {
      const reason = context.genres?.length
        ? `${what} on the same genres${onlyImports}`
        : `${what} on the same genres as run #${preferred!.id}, your default, which has no saved model`;
      return { run: match, kind: 'same-genres', reason };
    }
  }
  const reason = preferred ? `${what} (your default, run #${preferred.id}, has no saved model)` : `${what}${onlyImports}`;
  return { run: pool[0], kind: 'latest', reason };
}

/** chooseRun without a throw: null when there is no usable run. */
export function defaultRun(db: Db, context: ChoiceContext = {}): RunChoice | null {
  try {
    return chooseRun(db, undefined, context);
  } catch {
    return null;
  }
}
