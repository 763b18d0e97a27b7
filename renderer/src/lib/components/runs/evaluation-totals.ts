/**
 * The Evaluation view's numbers at the slider thresholds, on the posters it shows: per genre (what that
 * genre's tags would be at its threshold) and overall (what the run would tag: genres that are only
 * suggested are never tagged, as in Tag, Try it and the run's headline). Same definitions as
 * main/ml/metrics.ts evaluate() (both count with contract/tag-counts.ts), so at the model's thresholds the
 * totals are the run's own numbers. Pure and fast (one pass over posters × genres), so it runs on every slider move.
 */
import { countTags, genreRates, microMacro } from '../../../../../contract/tag-counts';

export interface EvalItem {
  scores: readonly number[];
  truth: readonly string[];
}

export interface GenreCounts {
  support: number;
  predicted: number;
  truePositives: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface EvalTotals {
  n: number;
  microPrecision: number | null;
  microRecall: number | null;
  microF1: number;
  macroF1: number;
  /** Mean automatic tags per poster, and the mean labelled genres to compare it with. */
  tagsPerPoster: number;
  labelledPerPoster: number;
}

/** Each item's true genres as booleans in the genre order (computed once per evaluation, not per move). */
export function truthMatrix(items: readonly EvalItem[], genres: readonly string[]): Uint8Array {
  const g = genres.length;
  const index = new Map(genres.map((name, j) => [name, j]));
  const m = new Uint8Array(items.length * g);
  items.forEach((it, i) => {
    for (const name of it.truth) {
      const j = index.get(name);
      if (j !== undefined) m[i * g + j] = 1;
    }
  });
  return m;
}

export function evaluationAt(
  items: readonly EvalItem[],
  truth: Uint8Array,
  genres: readonly string[],
  thresholds: readonly number[],
  auto?: readonly boolean[] | null,
): { perGenre: GenreCounts[]; totals: EvalTotals } {
  const g = genres.length;
  const n = items.length;
  const c = countTags(
    n,
    thresholds,
    (i, j) => items[i].scores[j],
    (i, j) => truth[i * g + j] === 1,
  );
  const perGenre = genres.map((_, j) => ({
    support: c.support[j],
    predicted: c.predicted[j],
    truePositives: c.truePositives[j],
    ...genreRates(c.support[j], c.predicted[j], c.truePositives[j]),
  }));
  // What the run tags: a suggestion-only genre contributes its positives (all missed) and no tags.
  const m = microMacro(c, (j) => !auto || auto[j] !== false);
  return {
    perGenre,
    totals: {
      n,
      microPrecision: m.microPrecision,
      microRecall: m.microRecall,
      microF1: m.microF1,
      macroF1: m.macroF1,
      tagsPerPoster: n ? m.predictedTotal / n : 0,
      labelledPerPoster: n ? m.trueTotal / n : 0,
    },
  };
}

/**
 * One poster's tags at the slider thresholds as the run would tag it: a suggestion-only genre (auto
 * false) is never a tag, whatever its score, so a true one of those counts as missed, as in the totals.
 */
export function posterOutcome(
  item: EvalItem,
  genres: readonly string[],
  thresholds: readonly number[],
  auto?: readonly boolean[] | null,
): { predicted: string[]; missed: string[]; wrong: string[] } {
  const predicted = genres.filter((_, j) => (!auto || auto[j] !== false) && item.scores[j] >= thresholds[j]);
  return { predicted, missed: item.truth.filter((g) => !predicted.includes(g)), wrong: predicted.filter((g) => !item.truth.includes(g)) };
}
