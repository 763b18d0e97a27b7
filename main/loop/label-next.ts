/**
 * "Label next": which unlabelled posters teach the model most. Two ideas, as in batch-mode active
 * learning (Cardoso et al. 2017, "ranked batch-mode"):
 * - uncertainty near the decision thresholds: for each genre, how close the poster's score is to that
 *   genre's threshold on the logit scale (exp(−s·|logit p − logit t|), 1 on the threshold), summed over
 *   genres. A poster the model would tag or not tag by a hair is the one whose label moves the boundary.
 *   The sharpness s sets how that sum leans: s = 1 counts a poster vaguely near many thresholds as much as
 *   one on a single threshold (as averaged confidence, Esuli & Sebastiani 2009); as s grows the sum tends to
 *   the nearest threshold alone (the "binary minimum" of Brinker 2006). Of 0.5–4, s = 2 did best in the
 *   loop bench (README "Learning loop"), with the rarity weights and the diversity below (without the
 *   weights it did no better than random picks; without the diversity it lost two thirds of its gain);
 * - diversity: posters are taken one at a time, each one's uncertainty discounted by its cosine to the
 *   posters already in the queue, and a poster nearly identical to one already queued (cosine ≥
 *   `duplicateCosine`) is left out, so a run of near-duplicates cannot fill the queue.
 */
import { dot, type SimilarityIndex } from './similarity';

export interface LabelNextInput {
  /** n × g probabilities of the current model. */
  scores: Float32Array;
  n: number;
  g: number;
  /** The model's per-genre thresholds (its decision rule's). */
  thresholds: readonly number[];
  /**
   * Cosine index (similarity.ts) over the posters `indexRows` (all n when omitted): only the most uncertain
   * few hundred can make the queue, so an index of those (uncertaintyPool) is enough.
   */
  index: SimilarityIndex;
  indexRows?: readonly number[];
  limit: number;
  /** Cosine at which a poster counts as a near-duplicate of a queued one. */
  duplicateCosine?: number;
  /** How much similarity to the queue discounts (0: pure uncertainty). */
  diversity?: number;
  /** Per-genre weight of its uncertainty (see rarityWeights); all 1 when omitted. */
  genreWeights?: readonly number[];
  /** How fast closeness falls off the threshold (DEFAULT_SHARPNESS; 1 before the loop bench's comparison). */
  sharpness?: number;
}

export interface QueuedPoster {
  row: number;
  /** Σ over genres of closeness to the threshold. */
  uncertainty: number;
  /** The genre whose threshold the score is nearest to. */
  nearestGenre: number;
  /** Highest cosine to a poster earlier in the queue. */
  similarToQueue: number;
}

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/** exp(−s·|Δlogit|): closeness halves every ln 2 / s ≈ 0.35 logits off the threshold. */
export const DEFAULT_SHARPNESS = 2;

/** Per poster: summed closeness to the thresholds, and the genre closest to its threshold. */
export function thresholdUncertainty(
  scores: Float32Array,
  n: number,
  g: number,
  thresholds: readonly number[],
  weights?: readonly number[],
  sharpness = DEFAULT_SHARPNESS,
): { u: Float32Array; genre: Int32Array } {
  const lt = thresholds.map(logit);
  const u = new Float32Array(n);
  const genre = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let best = -1;
    for (let j = 0; j < g; j++) {
      const c = (weights?.[j] ?? 1) * Math.exp(-sharpness * Math.abs(logit(scores[i * g + j]) - lt[j]));
      sum += c;
      if (c > best) {
        best = c;
        genre[i] = j;
      }
    }
    u[i] = sum;
  }
  return { u, genre };
}

/**
 * Rare genres weigh more: mAP and macro-F1 average over genres, and a rare genre's boundary rests on a
 * handful of positives, so one more label there moves it most. Weight 1/√(positives + 1), scaled to mean 1.
 */
export function rarityWeights(positives: readonly number[]): number[] {
  const w = positives.map((p) => 1 / Math.sqrt(p + 1));
  const mean = w.reduce((a, b) => a + b, 0) / (w.length || 1);
  return w.map((v) => v / mean);
}

export const DEFAULT_DUPLICATE_COSINE = 0.9;

/** The rows that can make a queue of `limit`: the most uncertain 10 × limit (at least 200), most uncertain first. */
export function uncertaintyPool(u: Float32Array, limit: number): number[] {
  return Array.from({ length: u.length }, (_, i) => i)
    .sort((a, b) => u[b] - u[a] || a - b)
    .slice(0, Math.max(limit * 10, 200));
}

export function rankLabelNext(input: LabelNextInput): QueuedPoster[] {
  const { scores, n, g, thresholds, index, limit } = input;
  const dupCos = input.duplicateCosine ?? DEFAULT_DUPLICATE_COSINE;
  const diversity = input.diversity ?? 1;
  const { u, genre } = thresholdUncertainty(scores, n, g, thresholds, input.genreWeights, input.sharpness);
  // The greedy pass is limit × pool dot products; `at` maps a poster to its row of the index.
  const at = new Map((input.indexRows ?? Array.from({ length: n }, (_, i) => i)).map((row, k) => [row, k]));
  const pool = uncertaintyPool(u, limit).filter((row) => at.has(row));
  const offset = pool.map((row) => at.get(row)! * index.d);
  const maxSim = new Float32Array(pool.length);
  const taken = new Uint8Array(pool.length);
  const { vectors: v, d } = index;
  const queue: QueuedPoster[] = [];
  while (queue.length < Math.min(limit, pool.length)) {
    let best = -1;
    let bestScore = -Infinity;
    for (let p = 0; p < pool.length; p++) {
      if (taken[p] || maxSim[p] >= dupCos) continue;
      const s = u[pool[p]] * (1 - diversity * Math.max(0, maxSim[p]));
      if (s > bestScore) {
        bestScore = s;
        best = p;
      }
    }
    if (best < 0) break; // what is left is near-duplicates of the queue
    taken[best] = 1;
    const row = pool[best];
    queue.push({ row, uncertainty: u[row], nearestGenre: genre[row], similarToQueue: maxSim[best] });
    const q = offset[best];
    for (let p = 0; p < pool.length; p++) {
      if (taken[p]) continue;
      const s = dot(v, q, offset[p], d);
      if (s > maxSim[p]) maxSim[p] = s;
    }
  }
  return queue;
}
