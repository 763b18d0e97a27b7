/**
 * Trivial baselines a trained head must beat, evaluated on a split (normally validation):
 * - top-k: every poster gets the k most frequent training genres (k = the mean number of genres per
 *   training poster, rounded, at least 1);
 * - prior: every poster scores each genre with its training frequency, thresholded like a model
 *   (per-genre thresholds tuned on the same split), so its mAP is the chance level.
 */
import { evaluate, type EvalReport, type Targets } from './metrics';
import { tuneThresholds } from './thresholds';

export interface Baselines {
  topK: { k: number; genres: string[]; report: EvalReport };
  prior: { report: EvalReport };
}

/** Fraction of training posters carrying each genre. */
export function genreFrequencies(y: Targets, n: number, g: number): number[] {
  const freq = new Array<number>(g).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) if (y[i * g + j] > 0.5) freq[j]++;
  return freq.map((c) => (n > 0 ? c / n : 0));
}

export function trivialBaselines(
  train: { y: Targets; n: number },
  split: { y: Targets; n: number },
  genres: readonly string[],
  opts: { k?: number } = {},
): Baselines {
  const g = genres.length;
  const freq = genreFrequencies(train.y, train.n, g);
  const meanLabels = freq.reduce((a, b) => a + b, 0);
  const k = Math.min(g, Math.max(1, opts.k ?? Math.round(meanLabels)));
  // Stable order: frequency, then genre index, so ties do not depend on sort internals.
  const ranked = freq.map((f, j) => ({ f, j })).sort((a, b) => b.f - a.f || a.j - b.j);
  const top = new Set(ranked.slice(0, k).map((r) => r.j));

  const topScores = new Float32Array(split.n * g);
  const priorScores = new Float32Array(split.n * g);
  for (let i = 0; i < split.n; i++) {
    for (let j = 0; j < g; j++) {
      topScores[i * g + j] = top.has(j) ? 1 : 0;
      priorScores[i * g + j] = freq[j];
    }
  }
  const tuned = tuneThresholds(priorScores, split.y, split.n, g);
  return {
    topK: { k, genres: [...top].sort((a, b) => a - b).map((j) => genres[j]), report: evaluate(topScores, split.y, split.n, genres, 0.5) },
    prior: { report: evaluate(priorScores, split.y, split.n, genres, tuned.thresholds) },
  };
}
