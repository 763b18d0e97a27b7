/**
 * Embeddings → per-genre probabilities → tags. With flipped embeddings given, scores are the mean of
 * the original and flipped posters' scores (test-time flip), which is steadier than either alone.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { loadTf } from './tf';
import { CancelledError } from '../core/errors';
import { effectiveThresholds } from './thresholds';
import { headShape } from './head';

export interface PredictOptions {
  xFlip?: Float32Array;
  /** Posters per forward pass; bounds memory on large folders. */
  batchSize?: number;
  signal?: AbortSignal;
}

/** n×genres probabilities (row-major) for n embeddings. */
export async function predictScores(model: LayersModel, x: Float32Array, n: number, opts: PredictOptions = {}): Promise<Float32Array> {
  const { tf } = await loadTf();
  const { inputDim, genres } = headShape(model);
  if (x.length !== n * inputDim) throw new Error(`Expected ${n} embeddings of size ${inputDim} (${n * inputDim} values), got ${x.length}`);
  if (opts.xFlip && opts.xFlip.length !== x.length) throw new Error('Flipped embeddings do not match the embeddings in size');
  const batch = Math.max(1, opts.batchSize ?? 1024);
  const out = new Float32Array(n * genres);
  const views = opts.xFlip ? [x, opts.xFlip] : [x];
  for (let start = 0; start < n; start += batch) {
    if (opts.signal?.aborted) throw new CancelledError();
    const count = Math.min(batch, n - start);
    for (const view of views) {
      const scores = tf.tidy(() => {
        const input = tf.tensor2d(view.subarray(start * inputDim, (start + count) * inputDim), [count, inputDim]);
        // apply(), not predict(): predict() re-slices the input into batches of 32, and each slice on
        // the wasm backend copies the whole input (measured: 0.6 s per epoch of validation).
        return (model.apply(input, { training: false }) as Tensor).dataSync() as Float32Array;
      });
      const base = start * genres;
      for (let i = 0; i < scores.length; i++) out[base + i] += scores[i] / views.length;
    }
  }
  return out;
}

/** Genres whose score reaches their threshold (or the single override for all), per poster. */
export function tagsFromScores(
  scores: ArrayLike<number>,
  n: number,
  genres: readonly string[],
  thresholds: readonly number[],
  override?: number | null,
): string[][] {
  const g = genres.length;
  if (scores.length !== n * g) throw new Error(`Expected ${n}×${g} scores, got ${scores.length}`);
  const t = effectiveThresholds(thresholds, override);
  if (t.length !== g) throw new Error(`Got ${t.length} thresholds for ${g} genres`);
  const tags: string[][] = [];
  for (let i = 0; i < n; i++) {
    const row: string[] = [];
    for (let j = 0; j < g; j++) if (scores[i * g + j] >= t[j]) row.push(genres[j]);
    tags.push(row);
  }
  return tags;
}

/** A loaded head with what is needed to tag: its genres and tuned thresholds. */
export interface TaggingHead {
  model: LayersModel;
  genres: readonly string[];
  thresholds: readonly number[];
}

export async function predictTags(
  head: TaggingHead,
  x: Float32Array,
  n: number,
  opts: PredictOptions & { override?: number | null } = {},
): Promise<{ scores: Float32Array; tags: string[][] }> {
  const scores = await predictScores(head.model, x, n, opts);
  return { scores, tags: tagsFromScores(scores, n, head.genres, head.thresholds, opts.override) };
}
