/**
 * Multi-label evaluation. Scores and targets are row-major N×G arrays (one row per poster, one column
 * per genre); a target counts as positive when it is > 0.5, a score is a predicted positive when it is
 * >= its genre's threshold.
 *
 * Genres without positives (support 0) in the evaluated split — the rule, applied everywhere:
 * - recall, F1 and average precision are `null` (undefined, not 0) and the genre is left out of
 *   macro-F1 and mAP, which average only over genres that have positives;
 * - its false positives still count in micro-F1, samples-F1 and the exact-match ratio, so predicting a
 *   genre that never occurs is still penalised;
 * - precision is `null` whenever nothing is predicted for the genre (0/0), with or without positives.
 * A sample with no true and no predicted genres scores samples-F1 = 1 (nothing to find, nothing claimed).
 */
import type { z } from 'zod';
import type { MetricSummary as MetricSummarySchema } from '../../contract/schemas/training';
import { countTags, genreRates, microMacro } from '../../contract/tag-counts';

export type Targets = ArrayLike<number>;
export type Scores = ArrayLike<number>;

export interface GenreMetrics {
  genre: string;
  threshold: number;
  /** Positives in the targets. */
  support: number;
  /** Samples predicted positive at the threshold. */
  predicted: number;
  truePositives: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  averagePrecision: number | null;
}

/** The four numbers shown per epoch (the contract's schema). */
export type MetricSummary = z.infer<typeof MetricSummarySchema>;

export interface EvalReport extends MetricSummary {
  n: number;
  microPrecision: number;
  microRecall: number;
  samplesF1: number;
  exactMatch: number;
  /** Genres that have positives, i.e. those averaged into macro-F1 and mAP. */
  genresWithPositives: number;
  perGenre: GenreMetrics[];
}

const EPS = 1e-7;

function checkShapes(scores: Scores, targets: Targets, n: number, g: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(g) || g <= 0) throw new Error(`Invalid shape ${n}×${g}`);
  if (scores.length !== n * g) throw new Error(`Scores hold ${scores.length} values, expected ${n}×${g} = ${n * g}`);
  if (targets.length !== n * g) throw new Error(`Targets hold ${targets.length} values, expected ${n}×${g} = ${n * g}`);
}

/** Mean binary cross-entropy over all N×G entries; scores are clipped to [1e-7, 1-1e-7]. */
export function binaryCrossEntropy(scores: Scores, targets: Targets): number {
  if (scores.length !== targets.length) throw new Error('Scores and targets differ in length');
  if (scores.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, scores[i]));
    sum -= targets[i] > 0.5 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / scores.length;
}

/**
 * Average precision of one genre, as scikit-learn's average_precision_score: the sum over distinct
 * score thresholds of (recall step) × precision; tied scores form one threshold. null without positives.
 */
export function averagePrecision(scores: Scores, targets: Targets, n: number, g: number, genre: number): number | null {
  const order = new Uint32Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (targets[i * g + genre] > 0.5) positives++;
  }
  if (positives === 0) return null;
  order.sort((a, b) => scores[b * g + genre] - scores[a * g + genre]);
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < n;) {
    const s = scores[order[i] * g + genre];
    for (; i < n && scores[order[i] * g + genre] === s; i++) {
      if (targets[order[i] * g + genre] > 0.5) tp++;
      else fp++;
    }
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** Per-genre thresholds from one number or a list (a single number applies to every genre). */
export function thresholdList(thresholds: number | ArrayLike<number>, g: number): number[] {
  if (typeof thresholds === 'number') return new Array<number>(g).fill(thresholds);
  if (thresholds.length !== g) throw new Error(`Got ${thresholds.length} thresholds for ${g} genres`);
  return Array.from(thresholds);
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Samples-F1 and the exact-match ratio: per-poster agreement of predicted and true genre sets. */
function perSample(scores: Scores, targets: Targets, n: number, t: readonly number[]): { samplesF1: number; exactMatch: number } {
  const g = t.length;
  let samplesF1 = 0;
  let exact = 0;
  for (let i = 0; i < n; i++) {
    let both = 0;
    let nPred = 0;
    let nTrue = 0;
    for (let j = 0; j < g; j++) {
      const isTrue = targets[i * g + j] > 0.5;
      const isPred = scores[i * g + j] >= t[j];
      nTrue += Number(isTrue);
      nPred += Number(isPred);
      both += Number(isTrue && isPred);
    }
    samplesF1 += nPred + nTrue === 0 ? 1 : (2 * both) / (nPred + nTrue);
    if (both === nPred && both === nTrue) exact++;
  }
  return { samplesF1: n > 0 ? samplesF1 / n : 0, exactMatch: n > 0 ? exact / n : 0 };
}

/** Every metric of a split at the given thresholds (see the module comment for empty genres). */
export function evaluate(scores: Scores, targets: Targets, n: number, genres: readonly string[], thresholds: number | ArrayLike<number> = 0.5): EvalReport {
  const g = genres.length;
  checkShapes(scores, targets, n, g);
  const t = thresholdList(thresholds, g);
  const counts = countTags(
    n,
    t,
    (i, j) => scores[i * g + j],
    (i, j) => targets[i * g + j] > 0.5,
  );
  const perGenre: GenreMetrics[] = genres.map((genre, j) => ({
    genre,
    threshold: t[j],
    support: counts.support[j],
    predicted: counts.predicted[j],
    truePositives: counts.truePositives[j],
    ...genreRates(counts.support[j], counts.predicted[j], counts.truePositives[j]),
    averagePrecision: averagePrecision(scores, targets, n, g, j),
  }));
  const totals = microMacro(counts);
  const withPositives = perGenre.filter((m) => m.support > 0);
  return {
    n,
    loss: binaryCrossEntropy(scores, targets),
    microPrecision: totals.microPrecision ?? 0,
    microRecall: totals.microRecall ?? 0,
    microF1: totals.microF1,
    macroF1: totals.macroF1,
    mAP: mean(withPositives.map((m) => m.averagePrecision as number)),
    ...perSample(scores, targets, n, t),
    genresWithPositives: withPositives.length,
    perGenre,
  };
}

export function summarize(report: EvalReport): MetricSummary {
  return { loss: report.loss, microF1: report.microF1, macroF1: report.macroF1, mAP: report.mAP };
}
