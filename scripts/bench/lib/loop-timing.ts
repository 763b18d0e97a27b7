// Timings of the learning loop at sizes beyond the data set: 100,000 and 10,000 posters made of the real
// embeddings repeated with a little noise (only the sizes matter for time; see scripts/bench/loop.ts).
import { performance } from 'node:perf_hooks';
import type { Ort } from '../../../main/ml/ort-matmul';
import { trainLinearCv } from '../../../main/ml/linear-cv';
import { seededRandom } from '../../../main/ml/random';
import { buildSimilarityIndex, nearest, type SimilarityIndex } from '../../../main/loop/similarity';
import { nearestFast, quantised } from '../../../main/loop/fast-nearest';
import { rankLabelNext, thresholdUncertainty, uncertaintyPool } from '../../../main/loop/label-next';
import { fit, scoresOf, type Pool } from './loop-data';

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ms = (t: number) => `${t < 10 ? t.toFixed(1) : t.toFixed(0)} ms`;

/** n rows cycling through the pool's rows, each dimension jittered by ±`jitter` of its value. */
function tiled(src: Float32Array, rows: number, width: number, n: number, jitter: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const o = (i % rows) * width;
    for (let k = 0; k < width; k++) out[i * width + k] = src[o + k] * (1 + jitter * (rand() * 2 - 1));
  }
  return out;
}

function normalised(index: SimilarityIndex): SimilarityIndex {
  const { vectors: v, n, d } = index;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += v[i * d + k] ** 2;
    for (let k = 0; k < d; k++) v[i * d + k] /= Math.sqrt(s);
  }
  return index;
}

/** Nearest 20 of 100,000 index vectors: the exact float32 pass and the int8 fast path, and how far they agree. */
async function nearestTimings(train: Pool, dim: number, seed: number): Promise<string[]> {
  const base = await buildSimilarityIndex(train.x, train.n, dim);
  const big = normalised({ vectors: tiled(base.vectors, base.n, base.d, 100_000, 0.5, seed), n: 100_000, d: base.d });
  const fast = quantised(big);
  const exact: number[] = [];
  const quick: number[] = [];
  let overlap = 0;
  const queries = 25;
  await nearestFast(fast, 0, 20); // the session is made once per process
  // Each kind in its own loop, so one's 100 MB pass does not evict the other's rows from the caches.
  const rowsAsked = Array.from({ length: queries }, (_, r) => (r * 3989) % big.n);
  const wanted = rowsAsked.map((row) => {
    const t0 = performance.now();
    const want = nearest(big, row, 20);
    exact.push(performance.now() - t0);
    return new Set(want.map((w) => w.row));
  });
  for (let r = 0; r < queries; r++) {
    const t0 = performance.now();
    const got = await nearestFast(fast, rowsAsked[r], 20);
    quick.push(performance.now() - t0);
    overlap += got.filter((g) => wanted[r].has(g.row)).length;
  }
  return [
    `| nearest 20 of 100,000, exact float32 pass (${base.d}-dim index, 100 MB) | median ${ms(median(exact))} per query (${queries} queries) | |`,
    `| nearest 20 of 100,000, int8 fast path (26 MB of codes + float32 rescoring) | median ${ms(median(quick))} per query; top-20 overlap with exact ${overlap}/${queries * 20} | < 50 ms |`,
  ];
}

export async function timing(ort: Ort, train: Pool, dim: number, genres: string[], seed: number, only?: 'nn'): Promise<void> {
  const g = genres.length;
  const lines: string[] = await nearestTimings(train, dim, seed);
  if (only === 'nn') {
    console.log('\n### Nearest-neighbour timings (2 cores, other jobs running)\n');
    console.log(`| what | result | aim |\n|---|---|---|\n${lines.join('\n')}`);
    return;
  }

  // The label-next queue over 10,000 posters: score them, index them, rank 100.
  const n10 = 10_000;
  const x10 = tiled(train.x, train.n, dim, n10, 0.05, seed + 1);
  const model = await fit(
    train,
    Array.from({ length: 300 }, (_, i) => i),
    dim,
    g,
    genres,
    seed,
  );
  let t0 = performance.now();
  const scores = await scoresOf(ort, x10, n10, dim, model.kernel, model.bias, g);
  const tScore = performance.now() - t0;
  t0 = performance.now();
  // As loop:next does: the cosine index only over the pool that can make the queue.
  const pool = uncertaintyPool(thresholdUncertainty(scores, n10, g, model.thresholds).u, 100);
  const xPool = new Float32Array(pool.length * dim);
  pool.forEach((i, r) => xPool.set(x10.subarray(i * dim, (i + 1) * dim), r * dim));
  const index = await buildSimilarityIndex(xPool, pool.length, dim);
  const tIndex = performance.now() - t0;
  t0 = performance.now();
  rankLabelNext({ scores, n: n10, g, thresholds: model.thresholds, index, indexRows: pool, limit: 100 });
  const tRank = performance.now() - t0;
  lines.push(
    `| label-next queue of 100 over 10,000 posters | ${ms(tScore + tIndex + tRank)} (score ${ms(tScore)}, index ${ms(tIndex)}, rank ${ms(tRank)}) | < 2 s |`,
  );

  // A retrain on 10,000 labelled cached posters (the default head's 5-fold CV fit).
  const y10 = new Uint8Array(n10 * g);
  for (let i = 0; i < n10; i++) y10.set(train.y.subarray((i % train.n) * g, ((i % train.n) + 1) * g), i * g);
  // Past 6,000 posters the head fits on a Nyström Gram matrix (gram.ts); the exact one is what it replaced.
  const exact = { above: Infinity, rank: 1 };
  for (const [what, cGrid, lowRank] of [
    ['5-fold CV × 3 strengths, as train:start (Nyström Gram, 1,024 landmarks)', undefined, undefined],
    ['5-fold CV × 1 strength, Nyström Gram', [3e-4], undefined],
    ['5-fold CV × 1 strength, exact 10,000² Gram (before)', [3e-4], exact],
  ] as const) {
    t0 = performance.now();
    await trainLinearCv({ x: x10, y: y10, n: n10, dim, g, folds: 5, seed, cGrid, lowRank });
    lines.push(
      `| retrain the default head on 10,000 labelled cached posters (${dim} dims, ${what}) | ${((performance.now() - t0) / 1000).toFixed(1)} s | < 30 s |`,
    );
  }
  console.log('\n### Learning loop timings (2 cores, other jobs running)\n');
  console.log('| what | result | aim |\n|---|---|---|');
  for (const l of lines) console.log(l);
}
