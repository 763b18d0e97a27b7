/**
 * The numbers behind the Evaluation view's charts, from the run's saved evaluation predictions: each
 * genre's precision-recall curve and a reliability (calibration) plot of all its probabilities. The
 * operating points on a curve are the view's own live precision/recall at the slider thresholds.
 */
import type { z } from 'zod';
import type * as T from '../../contract/schemas/training';

export type EvaluationCharts = z.infer<typeof T.EvaluationCharts>;
export type PrCurve = EvaluationCharts['curves'][number];
export type CalibrationBin = EvaluationCharts['calibration']['bins'][number];

/**
 * One genre's precision-recall curve: one point per distinct score, highest score first, as predicting
 * "score ≥ threshold" gives it (tied scores are one threshold, so one point, as in average precision).
 * No points when the genre has no positives (recall is undefined).
 */
export function prCurve(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean>,
): { positives: number; threshold: number[]; precision: number[]; recall: number[] } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (positive[i]) positives++;
  const out = { positives, threshold: [] as number[], precision: [] as number[], recall: [] as number[] };
  if (positives === 0) return out;
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n;) {
    const s = scores[order[k]];
    for (; k < n && scores[order[k]] === s; k++) {
      if (positive[order[k]]) tp++;
      else fp++;
    }
    out.threshold.push(s);
    out.precision.push(tp / (tp + fp));
    out.recall.push(tp / positives);
  }
  return out;
}

/**
 * At most about `max` points of a curve for drawing: the first and last are kept, and a point where recall
 * moved by 1/max or precision by 1/max since the last one kept. Thresholds stay exact for the points kept.
 */
export function thinCurve<C extends { threshold: number[]; precision: number[]; recall: number[] }>(curve: C, max = 200): C {
  const n = curve.threshold.length;
  if (n <= max) return curve;
  const keep: number[] = [0];
  for (let i = 1; i < n - 1; i++) {
    const last = keep[keep.length - 1];
    if (curve.recall[i] - curve.recall[last] >= 1 / max || Math.abs(curve.precision[i] - curve.precision[last]) >= 1 / max) keep.push(i);
  }
  keep.push(n - 1);
  return { ...curve, threshold: keep.map((i) => curve.threshold[i]), precision: keep.map((i) => curve.precision[i]), recall: keep.map((i) => curve.recall[i]) };
}

/**
 * Reliability bins: `bins` equal-width probability bins over [0, 1] (1 goes into the last), each with how many
 * probabilities fell in it, their mean and how often the genre was really there. An empty bin has count 0 and
 * nulls. `ece` is the expected calibration error: the count-weighted mean |observed − mean predicted|.
 */
export function calibrationBins(
  probabilities: ArrayLike<number>,
  outcomes: ArrayLike<boolean>,
  bins = 10,
): { n: number; ece: number | null; bins: CalibrationBin[] } {
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  const n = probabilities.length;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1, Math.max(0, probabilities[i]));
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]++;
    sumP[b] += p;
    if (outcomes[i]) hits[b]++;
  }
  let ece = 0;
  const out = count.map((c, b) => {
    const meanPredicted = c ? sumP[b] / c : null;
    const observed = c ? hits[b] / c : null;
    if (c) ece += (c / n) * Math.abs((observed as number) - (meanPredicted as number));
    return { low: b / bins, high: (b + 1) / bins, count: c, meanPredicted, observed };
  });
  return { n, ece: n ? ece : null, bins: out };
}

/** Both charts' data from a run's evaluation predictions (posters × genres). */
export function evaluationCharts(e: { genres: string[]; items: { scores: number[]; truth: string[] }[] }, maxPoints = 200): EvaluationCharts {
  const truth = e.items.map((it) => new Set(it.truth));
  const curves = e.genres.map((genre, j) => {
    const curve = prCurve(
      e.items.map((it) => it.scores[j]),
      truth.map((t) => t.has(genre)),
    );
    return { genre, ...thinCurve(curve, maxPoints) };
  });
  const probabilities: number[] = [];
  const outcomes: boolean[] = [];
  e.items.forEach((it, i) =>
    e.genres.forEach((genre, j) => {
      probabilities.push(it.scores[j]);
      outcomes.push(truth[i].has(genre));
    }),
  );
  return { curves, calibration: calibrationBins(probabilities, outcomes) };
}
