/**
 * The counting behind every precision, recall and F1 the app shows, shared by the back end's metrics
 * (main/ml/metrics.ts) and the Evaluation view's live totals, so the two can never disagree.
 * A target is positive when truth(i, j) is true; a score is a predicted positive at >= its threshold.
 * A genre without positives has recall and F1 null and is left out of macro-F1 (see main/ml/metrics.ts).
 */

export interface TagCounts {
  /** Per genre: positives in the truth, predicted positives, and both. */
  support: number[];
  predicted: number[];
  truePositives: number[];
}

export interface GenreRates {
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface MicroMacro {
  microPrecision: number | null;
  microRecall: number | null;
  microF1: number;
  macroF1: number;
  /** Predicted and true positives summed over the counted genres. */
  predictedTotal: number;
  trueTotal: number;
}

/** Counts over n posters × g genres; `score(i, j)` and `truth(i, j)` read poster i, genre j. */
export function countTags(
  n: number,
  thresholds: readonly number[],
  score: (i: number, j: number) => number,
  truth: (i: number, j: number) => boolean,
): TagCounts {
  const g = thresholds.length;
  const support = new Array<number>(g).fill(0);
  const predicted = new Array<number>(g).fill(0);
  const truePositives = new Array<number>(g).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g; j++) {
      const t = truth(i, j);
      const p = score(i, j) >= thresholds[j];
      if (t) support[j]++;
      if (p) predicted[j]++;
      if (t && p) truePositives[j]++;
    }
  }
  return { support, predicted, truePositives };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

export function genreRates(support: number, predicted: number, truePositives: number): GenreRates {
  return {
    precision: ratio(truePositives, predicted),
    recall: ratio(truePositives, support),
    f1: support > 0 ? (2 * truePositives) / (support + predicted) : null,
  };
}

/**
 * Micro and macro figures. `tagged(j)` false counts genre j as never predicted (a suggestion-only genre
 * of a run's rule): its positives are all missed and it adds no tags.
 */
export function microMacro(c: TagCounts, tagged: (j: number) => boolean = () => true): MicroMacro {
  let tp = 0;
  let pred = 0;
  let truth = 0;
  const f1s: number[] = [];
  c.support.forEach((support, j) => {
    const pj = tagged(j) ? c.predicted[j] : 0;
    const tj = tagged(j) ? c.truePositives[j] : 0;
    tp += tj;
    pred += pj;
    truth += support;
    if (support > 0) f1s.push((2 * tj) / (support + pj));
  });
  return {
    microPrecision: ratio(tp, pred),
    microRecall: ratio(tp, truth),
    microF1: pred + truth > 0 ? (2 * tp) / (pred + truth) : 0,
    macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0,
    predictedTotal: pred,
    trueTotal: truth,
  };
}
