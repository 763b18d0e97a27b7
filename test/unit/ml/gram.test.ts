import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky, gramOperator, lowerInverse } from '../../../main/ml/gram';
import { matMulSession, type Ort } from '../../../main/ml/ort-matmul';
import { trainLinearCv } from '../../../main/ml/linear-cv';
import { seededRandom } from '../../../main/ml/random';
import { gaussian } from './synthetic';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS native module
const ort = require('onnxruntime-node') as Ort;

/** n rows of rank `rank` in `dim` dimensions (what a library larger than its feature space looks like). */
function lowRankRows(n: number, dim: number, rank: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const basis = Array.from({ length: rank * dim }, () => gaussian(rand));
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < rank; r++) {
      const c = gaussian(rand);
      for (let d = 0; d < dim; d++) x[i * dim + d] += c * basis[r * dim + d];
    }
  return x;
}

const transpose = (x: Float32Array, n: number, dim: number) => {
  const t = new Float32Array(dim * n);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) t[d * n + i] = x[i * dim + d];
  return t;
};

test('Cholesky factor and triangular inverse: L·Lᵀ = A and L·L⁻¹ = I', () => {
  const m = 7;
  const rand = seededRandom(2);
  const b = Array.from({ length: m * m }, () => gaussian(rand));
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) a[i * m + j] += b[i * m + k] * b[j * m + k];
  const l = cholesky(a, m);
  const inv = lowerInverse(l, m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      let llt = 0;
      let li = 0;
      for (let k = 0; k < m; k++) {
        llt += l[i * m + k] * l[j * m + k];
        li += l[i * m + k] * inv[k * m + j];
      }
      assert.ok(Math.abs(llt - a[i * m + j]) < 1e-4 * (1 + Math.abs(a[i * m + j])), `LLᵀ[${i},${j}]`);
      assert.ok(Math.abs(li - (i === j ? 1 : 0)) < 1e-8, `LL⁻¹[${i},${j}]`);
    }
});

test('the Nyström Gram operator is exact when the landmarks span the rows, and its weights reproduce K·α', async () => {
  const n = 120;
  const dim = 30;
  const xs = lowRankRows(n, dim, 6, 5);
  const xsT = transpose(xs, n, dim);
  const session = await matMulSession(ort);
  try {
    const dense = await gramOperator({ ort, session, xs, xsT, n, dim, seed: 1 });
    const low = await gramOperator({ ort, session, xs, xsT, n, dim, seed: 1, lowRank: { above: 0, rank: 20 } });
    assert.equal(dense.kind, 'dense');
    assert.equal(low.kind, 20);
    const rand = seededRandom(9);
    const alpha = Float32Array.from({ length: n * 2 }, () => gaussian(rand));
    const [kd, kl] = [await dense.apply(alpha, 2), await low.apply(alpha, 2)];
    const scale = Math.max(...kd.map(Math.abs));
    kd.forEach((v, k) => assert.ok(Math.abs(v - kl[k]) < 2e-3 * scale, `K·α[${k}] ${v} vs ${kl[k]}`));
    // Xs·w with the operator's weights is the operator's own K·α: the saved model scores what was fitted.
    const w = await low.weights(alpha, 2);
    for (let i = 0; i < n; i += 17)
      for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += xs[i * dim + d] * w[d * 2 + j];
        assert.ok(Math.abs(s - kl[i * 2 + j]) < 2e-3 * scale);
      }
  } finally {
    await session.release();
  }
});

test('past its size limit the default head fits on the low-rank Gram matrix and scores as the exact one does', async () => {
  const rand = seededRandom(11);
  const n = 300;
  const dim = 40;
  const g = 2;
  const x = new Float32Array(n * dim);
  const y = new Uint8Array(n * g);
  for (let i = 0; i < n; i++) {
    y[i * g] = rand() < 0.4 ? 1 : 0;
    y[i * g + 1] = rand() < 0.3 ? 1 : 0;
    for (let d = 0; d < dim; d++) x[i * dim + d] = gaussian(rand) + (d === 0 ? 1.5 * y[i * g] : 0) + (d === 1 ? 1.5 * y[i * g + 1] : 0);
  }
  const exact = await trainLinearCv({ x, y, n, dim, g, seed: 3 });
  // 60 landmarks span the 40 dimensions: the same model, fitted the cheaper way.
  const low = await trainLinearCv({ x, y, n, dim, g, seed: 3, lowRank: { above: 100, rank: 60 } });
  assert.equal(low.c, exact.c);
  exact.cvTable.forEach((r, k) => assert.ok(Math.abs(r.oofMAP - low.cvTable[k].oofMAP) < 0.01, JSON.stringify([exact.cvTable, low.cvTable])));
  exact.kernel.forEach((v, k) => assert.ok(Math.abs(v - low.kernel[k]) < 0.02 * Math.max(...exact.kernel.map(Math.abs)), `kernel[${k}]`));
});
