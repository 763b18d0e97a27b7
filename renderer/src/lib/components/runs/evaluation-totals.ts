/**
 * The Evaluation view's numbers at the slider thresholds, on the posters it shows: per genre (what that
 * genre's tags would be at its threshold) and overall (what the run would tag: genres that are only
 * suggested are never tagged, as in Tag, Try it and the run's headline). Same definitions as
 * main/ml/metrics.ts evaluate(), so at the model's thresholds the totals are the run's own numbers.
 * Pure and fast (one pass over posters × genres), so it runs on every slider move.
 */
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

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

function counts(support: number, predicted: number, tp: number): GenreCounts {
  return {
    support,
    predicted,
    truePositives: tp,
    precision: ratio(tp, predicted),
    recall: ratio(tp, support),
    f1: support > 0 ? (2 * tp) / (support + predicted) : null,
  };
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
  const support = new Array<number>(g).fill(0);
  const predicted = new Array<number>(g).fill(0);
  const tp = new Array<number>(g).fill(0);
  for (let i = 0; i < n; i++) {
    const s = items[i].scores;
    for (let j = 0; j < g; j++) {
      const t = truth[i * g + j] === 1;
      const p = s[j] >= thresholds[j];
      if (t) support[j]++;
      if (p) predicted[j]++;
      if (t && p) tp[j]++;
    }
  }
  const perGenre = genres.map((_, j) => counts(support[j], predicted[j], tp[j]));
  // What the run tags: a suggestion-only genre contributes its positives (all missed) and no tags.
  const tagged = (j: number) => !auto || auto[j] !== false;
  let tpAll = 0,
    predAll = 0,
    trueAll = 0;
  const f1s: number[] = [];
  for (let j = 0; j < g; j++) {
    const pj = tagged(j) ? predicted[j] : 0;
    const tj = tagged(j) ? tp[j] : 0;
    tpAll += tj;
    predAll += pj;
    trueAll += support[j];
    if (support[j] > 0) f1s.push((2 * tj) / (support[j] + pj));
  }
  return {
    perGenre,
    totals: {
      n,
      microPrecision: ratio(tpAll, predAll),
      microRecall: ratio(tpAll, trueAll),
      microF1: predAll + trueAll > 0 ? (2 * tpAll) / (predAll + trueAll) : 0,
      macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0,
      tagsPerPoster: n ? predAll / n : 0,
      labelledPerPoster: n ? trueAll / n : 0,
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
