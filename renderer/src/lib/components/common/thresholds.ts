import { call } from '../../api/client';

/**
 * A run's per-genre decision thresholds — the ones its predictions and tags use: the model's (tuned on
 * out-of-fold or validation posters) under the run's saved mode, with any thresholds the user saved in
 * the Evaluation view — by genre. Empty when the run has none (not finished).
 */
export async function runThresholds(runId: number): Promise<Record<string, number>> {
  const run = await call('runs:get', { id: runId });
  const t = run.tagThresholds ?? run.thresholds;
  if (!t || t.length !== run.genres.length) return {};
  return Object.fromEntries(run.genres.map((g, i) => [g, t[i]]));
}
