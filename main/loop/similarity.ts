/**
 * Cosine similarity between posters on their cached embeddings, for "More like this", the duplicate
 * finder and the label-next queue's diversity. Raw pooled activations are all positive and dominated by
 * their mean, so every dimension is centred and scaled first (as the head standardises), then the vectors are projected
 * to `PROJECTED_DIM` dimensions with a seeded Gaussian matrix (Johnson–Lindenstrauss: cosines are kept to
 * about ±1/√256) and L2-normalised. 100,000 posters then fit in 100 MB and a query is one pass over them.
 * The projection is one matrix product through ONNX Runtime (linear-cv.ts's MatMul session).
 */
import { matMul, matMulSession, type Ort } from '../ml/ort-matmul';
import { standardisation } from '../ml/head';
import { seededRandom } from '../ml/random';

export const PROJECTED_DIM = 256;

export interface SimilarityIndex {
  /** n × d unit vectors, row i for the i-th embedding given. */
  vectors: Float32Array;
  n: number;
  d: number;
}

/** A dim × d matrix of N(0, 1/d) entries, the same for a seed everywhere (Box–Muller on mulberry32). */
function gaussianMatrix(dim: number, d: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(dim * d);
  const scale = 1 / Math.sqrt(d);
  for (let i = 0; i < out.length; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const r = Math.sqrt(-2 * Math.log(u)) * scale;
    const t = 2 * Math.PI * rand();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** How raw embeddings become index vectors: their centre and spread, and the projection matrix. Kept by
 * the similarity cache so posters added later are projected the same way without refitting. */
export interface Projection {
  dim: number;
  d: number;
  mean: Float32Array;
  std: Float32Array;
  /** dim × d, or null when d = dim (no projection). */
  matrix: Float32Array | null;
}

/** The projection fitted to n × dim embeddings (standardised with their own mean and spread). */
export function fitProjection(x: Float32Array, n: number, dim: number, opts: { d?: number; seed?: number } = {}): Projection {
  const d = Math.min(opts.d ?? PROJECTED_DIM, dim);
  const { mean, std } = standardisation(x, n, dim);
  // A dimension that barely varies in a small collection must not be blown up by its tiny spread:
  // each spread is padded by the average one (≈ plain standardisation for large collections).
  let avg = 0;
  for (let k = 0; k < dim; k++) avg += std[k] / dim;
  for (let k = 0; k < dim; k++) std[k] = Math.sqrt(std[k] ** 2 + avg ** 2);
  return { dim, d, mean, std, matrix: d === dim ? null : gaussianMatrix(dim, d, opts.seed ?? 7) };
}

/** n × d unit vectors of n × dim embeddings, by a fitted projection. */
export async function project(p: Projection, x: Float32Array, n: number): Promise<Float32Array> {
  const { dim, d, mean, std } = p;
  if (n === 0) return new Float32Array();
  const xs = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) xs[i * dim + k] = (x[i * dim + k] - mean[k]) / std[k];
  let vectors: Float32Array = xs;
  if (p.matrix) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily (CommonJS at run time), as linear-cv does
    const ort = require('onnxruntime-node') as Ort;
    const session = await matMulSession(ort);
    try {
      vectors = await matMul(ort, session, xs, n, dim, p.matrix, d);
    } finally {
      await session.release();
    }
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += vectors[i * d + k] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < d; k++) vectors[i * d + k] *= inv;
  }
  return vectors;
}

/** Builds the index from n × dim embeddings (standardised with their own mean and spread). */
export async function buildSimilarityIndex(x: Float32Array, n: number, dim: number, opts: { d?: number; seed?: number } = {}): Promise<SimilarityIndex> {
  const d = Math.min(opts.d ?? PROJECTED_DIM, dim);
  if (n === 0) return { vectors: new Float32Array(), n: 0, d };
  return { vectors: await project(fitProjection(x, n, dim, opts), x, n), n, d };
}

/** The index of some of its rows (same vectors: cosines are unchanged). */
export function subIndex(index: SimilarityIndex, rows: readonly number[]): SimilarityIndex {
  const { d } = index;
  const vectors = new Float32Array(rows.length * d);
  rows.forEach((i, r) => vectors.set(index.vectors.subarray(i * d, (i + 1) * d), r * d));
  return { vectors, n: rows.length, d };
}

/** Cosine of rows a and b. */
export function cosine(index: SimilarityIndex, a: number, b: number): number {
  return dot(index.vectors, a * index.d, b * index.d, index.d);
}

/** Dot product of rows a and b of a d-wide matrix, unrolled by 4 (the hot loop of every query). */
export function dot(v: Float32Array, a: number, b: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    s0 += v[a + k] * v[b + k];
    s1 += v[a + k + 1] * v[b + k + 1];
    s2 += v[a + k + 2] * v[b + k + 2];
    s3 += v[a + k + 3] * v[b + k + 3];
  }
  for (; k < d; k++) s0 += v[a + k] * v[b + k];
  return s0 + s1 + s2 + s3;
}

/** Cosine of row `row` with every row. */
export function similarities(index: SimilarityIndex, row: number): Float32Array {
  const { vectors: v, n, d } = index;
  const out = new Float32Array(n);
  const q = row * d;
  for (let i = 0; i < n; i++) out[i] = dot(v, q, i * d, d);
  return out;
}

/** The k rows most similar to `row` (itself and `exclude` left out), most similar first. */
export function nearest(index: SimilarityIndex, row: number, k: number, exclude?: (i: number) => boolean): { row: number; cosine: number }[] {
  const sims = similarities(index, row);
  // A bounded list kept sorted: k is small (tens), so insertion beats sorting all n.
  const top: { row: number; cosine: number }[] = [];
  for (let i = 0; i < index.n; i++) {
    if (i === row || (top.length === k && sims[i] <= top[k - 1].cosine) || exclude?.(i)) continue;
    let at = top.length;
    while (at > 0 && top[at - 1].cosine < sims[i]) at--;
    top.splice(at, 0, { row: i, cosine: sims[i] });
    if (top.length > k) top.pop();
  }
  return top;
}

/** Every pair of rows at least `threshold` alike, most alike first (n²/2 dot products). */
export function similarPairs(index: SimilarityIndex, threshold: number, limit = 10_000): { a: number; b: number; cosine: number }[] {
  const { vectors: v, n, d } = index;
  const pairs: { a: number; b: number; cosine: number }[] = [];
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const s = dot(v, a * d, b * d, d);
      if (s >= threshold) pairs.push({ a, b, cosine: s });
    }
  }
  return pairs.sort((p, q) => q.cosine - p.cosine).slice(0, limit);
}
