/**
 * The small reshaping between the back end's chart data and what a chart draws: pure functions, unit-tested
 * (test/unit/charts). The heavy numbers (curves, bins, counts, flags) are computed in main.
 */

/**
 * Each heatmap cell's colour strength in [0, 1]: off-diagonal cells (two genres together) against the largest
 * pair, diagonal cells (one genre's own count) against the largest genre, so big genres do not wash out pairs.
 */
export function heatShare(counts: readonly (readonly number[])[]): number[][] {
  let pairMax = 0;
  let ownMax = 0;
  counts.forEach((row, a) =>
    row.forEach((v, b) => {
      if (a === b) ownMax = Math.max(ownMax, v);
      else pairMax = Math.max(pairMax, v);
    }),
  );
  return counts.map((row, a) => row.map((v, b) => (a === b ? (ownMax ? v / ownMax : 0) : pairMax ? v / pairMax : 0)));
}

export interface ApPair {
  genre: string;
  a: number;
  b: number;
  /** a − b */
  diff: number;
}

/**
 * Two runs' per-genre AP paired by genre name, sorted by difference (where the first run is better first;
 * equal differences by genre name). Genres one run lacks, or without an AP (no positives), are listed apart.
 */
export function apPairs(
  a: readonly { genre: string; averagePrecision: number | null }[],
  b: readonly { genre: string; averagePrecision: number | null }[],
): { pairs: ApPair[]; unpaired: string[] } {
  const other = new Map(b.map((g) => [g.genre, g.averagePrecision]));
  const pairs: ApPair[] = [];
  const unpaired: string[] = [];
  for (const g of a) {
    const y = other.get(g.genre);
    if (g.averagePrecision == null || y == null) unpaired.push(g.genre);
    else pairs.push({ genre: g.genre, a: g.averagePrecision, b: y, diff: g.averagePrecision - y });
  }
  for (const g of b) if (!a.some((x) => x.genre === g.genre)) unpaired.push(g.genre);
  pairs.sort((p, q) => q.diff - p.diff || p.genre.localeCompare(q.genre));
  return { pairs, unpaired };
}

/** The reliability plot's points: non-empty bins only, at their mean probability (x ascending, as uPlot needs). */
export function reliabilityPoints(bins: readonly { count: number; meanPredicted: number | null; observed: number | null }[]): {
  x: number[];
  observed: number[];
  counts: number[];
} {
  const kept = bins.filter((b) => b.count > 0 && b.meanPredicted !== null && b.observed !== null);
  return { x: kept.map((b) => b.meanPredicted as number), observed: kept.map((b) => b.observed as number), counts: kept.map((b) => b.count) };
}

/** A precision-recall curve as uPlot data: recall on x, ascending (the curve's order), from recall 0 at its first precision. */
export function prSeries(curve: { precision: readonly number[]; recall: readonly number[] }): { x: number[]; y: number[] } {
  if (!curve.recall.length) return { x: [], y: [] };
  return { x: [0, ...curve.recall], y: [curve.precision[0], ...curve.precision] };
}

/** Per split, each genre's poster count (the library panel's histogram); splits without posters are left out. */
export function splitHistogram(
  genres: readonly { name: string; bySplit: Record<string, number> }[],
  splits: readonly { split: string; posters: number }[],
): { split: string; values: number[] }[] {
  return splits.filter((s) => s.posters > 0).map((s) => ({ split: s.split, values: genres.map((g) => g.bySplit[s.split] ?? 0) }));
}
