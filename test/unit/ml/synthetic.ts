// Synthetic multi-label "embeddings" for ML tests: each genre is a Gaussian cluster centre, a poster's
// embedding is the sum of its genres' centres plus noise, and its "flipped" embedding is a second noisy draw.
import { seededRandom } from '../../../main/ml/random';
import type { EmbeddingSet } from '../../../main/ml/dataset';

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export interface SyntheticTask {
  genres: string[];
  dim: number;
  train: EmbeddingSet;
  val: EmbeddingSet;
}

export function syntheticTask(
  opts: { genres?: number; dim?: number; train?: number; val?: number; noise?: number; seed?: number; flips?: boolean } = {},
): SyntheticTask {
  const g = opts.genres ?? 5;
  const dim = opts.dim ?? 32;
  const noise = opts.noise ?? 0.5;
  const rand = seededRandom(opts.seed ?? 123);
  const centres = Array.from({ length: g }, () => Float32Array.from({ length: dim }, () => gaussian(rand) * 1.5));
  const make = (n: number): EmbeddingSet => {
    const x = new Float32Array(n * dim);
    const xFlip = new Float32Array(n * dim);
    const y = new Uint8Array(n * g);
    for (let i = 0; i < n; i++) {
      const first = Math.floor(rand() * g);
      y[i * g + first] = 1;
      if (rand() < 0.4) y[i * g + Math.floor(rand() * g)] = 1; // sometimes a second genre
      for (let d = 0; d < dim; d++) {
        let v = 0;
        for (let j = 0; j < g; j++) if (y[i * g + j]) v += centres[j][d];
        x[i * dim + d] = v + gaussian(rand) * noise;
        xFlip[i * dim + d] = v + gaussian(rand) * noise;
      }
    }
    return opts.flips === false ? { x, y, n } : { x, y, n, xFlip };
  };
  return { genres: Array.from({ length: g }, (_, j) => `genre${j}`), dim, train: make(opts.train ?? 400), val: make(opts.val ?? 150) };
}
