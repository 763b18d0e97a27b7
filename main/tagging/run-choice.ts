import fs from 'node:fs';
import type { Db } from '../db/database';
import { getRun, listRuns, type Run } from '../ml/runs-repo';

/** How many of the newest finished runs the default choice looks at ("best recent", not best ever). */
const RECENT = 10;

function usable(run: Run): boolean {
  return run.status === 'done' && Boolean(run.modelPath && fs.existsSync(run.modelPath));
}

function mapOf(run: Run): number {
  const m = (run.metrics as { metrics?: { mAP?: number } } | null)?.metrics?.mAP;
  return typeof m === 'number' && Number.isFinite(m) ? m : -1;
}

/**
 * The run to tag with: the given one (which must have a saved model), or the best of the recent finished
 * runs by validation mAP (newest wins a tie). Throws a message for the user when there is none.
 */
export function chooseRun(db: Db, runId?: number): Run {
  if (runId !== undefined) {
    const run = getRun(db, runId);
    if (!run) throw new Error(`There is no run #${runId}.`);
    if (!usable(run)) throw new Error(`Run #${runId} has no saved model (it is ${run.status}); pick a finished run.`);
    return run;
  }
  const recent = listRuns(db).filter(usable).slice(0, RECENT);
  if (recent.length === 0) throw new Error('There is no trained model yet: train one first (or name a run).');
  return recent.reduce((best, r) => (mapOf(r) > mapOf(best) ? r : best));
}
