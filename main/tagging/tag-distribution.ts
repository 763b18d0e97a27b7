/**
 * After a tagging job: how many posters the run tagged with each genre, next to the genre's share in the
 * posters it was evaluated on (every labelled poster for a cross-validated run), with the genres tagged far
 * more or less often than that flagged. Counts follow the gallery's predicted-genre filter exactly (tagged,
 * not rejected, one per poster), so a click through shows as many posters as the bar says.
 */
import type { z } from 'zod';
import type * as G from '../../contract/schemas/tagging';
import type { Db } from '../db/database';
import { getRun, type Run } from '../runs/runs-repo';
import { NotFoundError } from '../core/errors';
import type { RunOutcome } from '../training/train-run';

export type TagDistribution = z.infer<typeof G.TagDistribution>;
type Flag = z.infer<typeof G.DistributionFlag>;

/** A genre is flagged when tagged at least this many times its training share (or at most its inverse) … */
export const FLAG_RATIO = 2;
/** … and the shares differ by at least 5 percentage points … */
export const FLAG_MIN_SHARE_GAP = 0.05;
/** … and by at least 2 posters: on a handful of posters one tag more or less is not a finding. */
export const FLAG_MIN_POSTERS = 2;

/** Whether a genre tagged on `tagged` of `posters` is far from its training share. */
export function distributionFlag(tagged: number, posters: number, trainingShare: number | null): Flag | null {
  if (trainingShare === null || posters === 0) return null;
  const share = tagged / posters;
  if (Math.abs(share - trainingShare) < FLAG_MIN_SHARE_GAP - 1e-12) return null;
  if (Math.abs(tagged - trainingShare * posters) < FLAG_MIN_POSTERS - 1e-9) return null;
  if (share >= FLAG_RATIO * trainingShare) return 'over';
  if (share <= trainingShare / FLAG_RATIO) return 'under';
  return null;
}

/** Per-genre share of the run's evaluation posters (support / n of its final metrics); null for a run without them. */
function trainingShares(run: Run): { n: number; shares: Map<string, number> } | null {
  const metrics = run.status === 'done' ? (run.metrics as RunOutcome | null)?.metrics : undefined;
  if (!metrics?.n) return null;
  return { n: metrics.n, shares: new Map(metrics.perGenre.map((g) => [g.genre, g.support / metrics.n])) };
}

export function tagDistribution(db: Db, runId: number, libraryIds: readonly number[]): TagDistribution {
  const run = getRun(db, runId);
  if (!run) throw new NotFoundError(`There is no run #${runId}.`);
  const libs = libraryIds.map(() => '?').join(',');
  const posters = db
    .prepare(
      `SELECT COUNT(*) FROM images i WHERE i.library_id IN (${libs}) AND i.duplicate_of IS NULL
      AND EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.hash = i.hash)`,
    )
    .pluck()
    .get(...libraryIds, runId) as number;
  const rows = db
    .prepare(
      `SELECT s.genre AS g, COUNT(DISTINCT i.id) AS n
      FROM images i JOIN predictions p ON p.hash = i.hash AND p.run_id = ?
      JOIN prediction_scores s ON s.prediction_id = p.id AND s.tagged = 1
      JOIN json_each(?) gn ON gn.key = s.genre
      WHERE i.library_id IN (${libs}) AND i.duplicate_of IS NULL
        AND NOT EXISTS (SELECT 1 FROM prediction_rejections r WHERE r.image_id = i.id AND r.genre = gn.value)
      GROUP BY s.genre`,
    )
    .all(runId, JSON.stringify(run.genres), ...libraryIds) as { g: number; n: number }[];
  const tagged = new Map(rows.map((r) => [r.g, r.n]));
  const training = trainingShares(run);
  return {
    runId,
    posters,
    trainingPosters: training?.n ?? null,
    genres: run.genres.map((genre, j) => {
      const n = tagged.get(j) ?? 0;
      const trainingShare = training?.shares.get(genre) ?? null;
      return { genre, tagged: n, taggedShare: posters ? n / posters : 0, trainingShare, flag: distributionFlag(n, posters, trainingShare) };
    }),
  };
}
