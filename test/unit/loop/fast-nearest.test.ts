import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearest, similarPairs, type SimilarityIndex } from '../../../main/loop/similarity';
import { nearestFast, quantised, similarPairsFast } from '../../../main/loop/fast-nearest';
import { int8Scores } from '../../../main/loop/int8-scores';
import { seededRandom } from '../../../main/ml/random';

/** n unit vectors in clusters (centre + noise), like posters of a few looks, with many near-ties. */
function clustered(n: number, d: number, clusters: number, noise: number, seed = 1): SimilarityIndex {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const centres = Float32Array.from({ length: clusters * d }, gauss);
  const v = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * clusters);
    let s = 0;
    for (let k = 0; k < d; k++) s += (v[i * d + k] = centres[c * d + k] + noise * gauss()) ** 2;
    for (let k = 0; k < d; k++) v[i * d + k] /= Math.sqrt(s);
  }
  return { vectors: v, n, d };
}

test('int8 scores: MatMulInteger gives the exact integer dot products', async () => {
  const rand = seededRandom(5);
  const rows = Int8Array.from({ length: 7 * 16 }, () => Math.round(rand() * 254 - 127));
  const cols = Int8Array.from({ length: 16 * 3 }, () => Math.round(rand() * 254 - 127));
  const out = await int8Scores(rows, 7, 16, cols, 3);
  for (let i = 0; i < 7; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 16; k++) s += rows[i * 16 + k] * cols[k * 3 + j];
      assert.equal(out[i * 3 + j], s);
    }
});

test('the fast top-20 equals the exact float32 top-20 (recall over 40 queries of 30,000 rows)', async () => {
  const index = clustered(30_000, 256, 300, 0.9);
  const fast = quantised(index);
  let same = 0;
  let overlap = 0;
  const queries = 40;
  for (let r = 0; r < queries; r++) {
    const row = (r * 7919) % index.n;
    const exact = nearest(index, row, 20);
    const got = await nearestFast(fast, row, 20);
    const ids = new Set(exact.map((e) => e.row));
    overlap += got.filter((g) => ids.has(g.row)).length;
    if (got.map((g) => g.row).join() === exact.map((e) => e.row).join()) same++;
    // Cosines are the exact float32 ones, in order.
    got.forEach((g, k) => k && assert.ok(g.cosine <= got[k - 1].cosine));
  }
  assert.equal(overlap, queries * 20, `top-20 overlap ${overlap} of ${queries * 20}`);
  assert.ok(same >= queries - 1, `identical order in ${same} of ${queries}`);
});

test('the fast path leaves out the query row and excluded rows', async () => {
  const index = quantised(clustered(2_000, 64, 20, 0.5, 2));
  const got = await nearestFast(index, 10, 15, (i) => i % 2 === 0);
  assert.equal(got.length, 15);
  assert.ok(got.every((g) => g.row !== 10 && g.row % 2 === 1));
  assert.deepEqual(
    got.map((g) => g.row),
    nearest(index, 10, 15, (i) => i % 2 === 0).map((e) => e.row),
  );
});

test('similar pairs: the int8 blocks find the same pairs as the exact n² pass', async () => {
  const index = clustered(1_500, 128, 400, 0.35, 3);
  const exact = similarPairs(index, 0.8);
  const fast = await similarPairsFast(quantised(index), 0.8);
  assert.ok(exact.length > 20, `enough pairs to compare: ${exact.length}`);
  assert.deepEqual(fast.map((p) => `${p.a}-${p.b}`).sort(), exact.map((p) => `${p.a}-${p.b}`).sort());
});
