/**
 * The Gram matrix K = XsXsᵀ of the default head, as an operator: K·G and the primal weights Xsᵀα.
 *
 * Dense when the library is small (K is n×n: one n²·dim product, then n²·cols per optimiser step). Past
 * `lowRankAbove` posters both grow with n², so K is replaced by its Nyström approximation on m seeded
 * landmark posters: K ≈ C W⁻¹ Cᵀ with C = Xs·Xs_mᵀ (n×m) and W the landmarks' own m×m block. That is the
 * exact kernel of the features projected onto the span of the landmarks' feature vectors, so the model is
 * still a linear model on the embeddings (its weights lie in that span); with Z = C·L⁻ᵀ (W = LLᵀ) a step
 * costs two n·m·cols products instead of one n²·cols.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { deriveSeed, seededRandom, shuffleInPlace } from './random';
import { matMul, type Ort } from './ort-matmul';

export interface GramOperator {
  /** K·G for G of n×cols (row-major). */
  apply(g: Float32Array, cols: number): Promise<Float32Array>;
  /** Standardised-space weights (dim×cols) of dual coefficients α (n×cols): w = Xsᵀα under this K. */
  weights(alpha: Float32Array, cols: number): Promise<Float32Array>;
  /** 'dense', or the Nyström landmark count. */
  kind: 'dense' | number;
}

export interface GramInput {
  ort: Ort;
  session: InferenceSession;
  /** n×dim standardised rows, and the same transposed (dim×n). */
  xs: Float32Array;
  xsT: Float32Array;
  n: number;
  dim: number;
  /** Use Nyström with `rank` landmarks when n exceeds `above`. */
  lowRank?: { above: number; rank: number };
  seed: number;
}

export const DEFAULT_LOW_RANK = { above: 6000, rank: 1024 } as const;

export async function gramOperator(input: GramInput): Promise<GramOperator> {
  const { ort, session, xs, xsT, n, dim } = input;
  const lowRank = input.lowRank ?? DEFAULT_LOW_RANK;
  if (n <= lowRank.above || lowRank.rank >= n) {
    const K = await matMul(ort, session, xs, n, dim, xsT, n);
    return {
      kind: 'dense',
      apply: (g, cols) => matMul(ort, session, K, n, n, g, cols),
      weights: (alpha, cols) => matMul(ort, session, xsT, dim, n, alpha, cols),
    };
  }
  return nystrom(input, lowRank.rank);
}

async function nystrom({ ort, session, xs, xsT, n, dim, seed }: GramInput, m: number): Promise<GramOperator> {
  const order = Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, seededRandom(deriveSeed(seed, 47)));
  const landmarks = order.slice(0, m).sort((a, b) => a - b);
  const xmT = new Float32Array(dim * m); // Xs_mᵀ
  for (let d = 0; d < dim; d++) for (let k = 0; k < m; k++) xmT[d * m + k] = xsT[d * n + landmarks[k]];
  const c = await matMul(ort, session, xs, n, dim, xmT, m);
  const w = new Float64Array(m * m);
  landmarks.forEach((row, k) => {
    for (let l = 0; l < m; l++) w[k * m + l] = c[row * m + l];
  });
  const lInvT = transposeToF32(lowerInverse(cholesky(w, m), m), m); // L⁻ᵀ
  const z = await matMul(ort, session, c, n, m, lInvT, m);
  const zT = new Float32Array(m * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) zT[k * n + i] = z[i * m + k];
  return {
    kind: m,
    apply: async (g, cols) => matMul(ort, session, z, n, m, await matMul(ort, session, zT, m, n, g, cols), cols),
    weights: async (alpha, cols) => {
      const u = await matMul(ort, session, zT, m, n, alpha, cols); // Zᵀα
      const v = await matMul(ort, session, lInvT, m, m, u, cols); // L⁻ᵀZᵀα
      return matMul(ort, session, xmT, dim, m, v, cols);
    },
  };
}

/** Lower Cholesky factor of a symmetric positive semi-definite matrix, with a small ridge for the rank-deficient case. */
export function cholesky(a: Float64Array, m: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < m; i++) trace += a[i * m + i];
  const ridge = (1e-6 * trace) / m;
  const l = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    let d = a[j * m + j] + ridge;
    for (let k = 0; k < j; k++) d -= l[j * m + k] ** 2;
    const ljj = Math.sqrt(Math.max(d, ridge));
    l[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let s = a[i * m + j];
      const ri = i * m;
      const rj = j * m;
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      l[ri + j] = s / ljj;
    }
  }
  return l;
}

/** Inverse of a lower-triangular matrix: row i of X = (eᵢ − Σₖ L[i][k]·row k of X) / L[i][i], contiguous rows. */
export function lowerInverse(l: Float64Array, m: number): Float64Array {
  const inv = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const ri = i * m;
    for (let k = 0; k < i; k++) {
      const f = l[ri + k];
      if (f === 0) continue;
      const rk = k * m;
      for (let j = 0; j <= k; j++) inv[ri + j] -= f * inv[rk + j];
    }
    inv[ri + i] += 1;
    const d = l[ri + i];
    for (let j = 0; j <= i; j++) inv[ri + j] /= d;
  }
  return inv;
}

function transposeToF32(a: Float64Array, m: number): Float32Array {
  const out = new Float32Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) out[j * m + i] = a[i * m + j];
  return out;
}
