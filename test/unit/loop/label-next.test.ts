import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SHARPNESS, rankLabelNext, rarityWeights, thresholdUncertainty } from '../../../main/loop/label-next';
import { buildSimilarityIndex, nearest, similarPairs } from '../../../main/loop/similarity';
import { seededRandom } from '../../../main/ml/random';

/** n random embeddings of `dim` dims; rows listed in `copies` are near-copies of another row. */
function embeddings(n: number, dim: number, copies: Record<number, number>, seed = 1): Float32Array {
  const rand = seededRandom(seed);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  for (const [row, of] of Object.entries(copies)) {
    for (let k = 0; k < dim; k++) x[Number(row) * dim + k] = x[of * dim + k] * (1 + 0.01 * (rand() - 0.5));
  }
  return x;
}

test('the queue ranks a hand-made uncertain poster first', async () => {
  const n = 60;
  const g = 3;
  const thresholds = [0.5, 0.2, 0.7];
  const rand = seededRandom(3);
  // Every poster is clear-cut (far from each threshold) but poster 37, which sits on all three.
  const scores = new Float32Array(n * g);
  for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) scores[i * g + j] = rand() < 0.5 ? 0.01 + 0.02 * rand() : 0.97 + 0.02 * rand();
  scores.set(thresholds, 37 * g);
  const index = await buildSimilarityIndex(embeddings(n, 64, {}), n, 64);
  const queue = rankLabelNext({ scores, n, g, thresholds, index, limit: 10 });
  assert.equal(queue[0].row, 37);
  assert.ok(Math.abs(queue[0].uncertainty - 3) < 1e-6, 'on every threshold: closeness 1 per genre');
  assert.equal(queue.length, 10);
  // Closeness is measured on the logit scale around each genre's own threshold.
  const { u } = thresholdUncertainty(new Float32Array([0.2, 0.5]), 1, 2, [0.2, 0.9]);
  assert.ok(u[0] > 1 && u[0] < 2);
});

test('a poster on one threshold outranks one vaguely near them all (the sharper closeness)', async () => {
  const g = 3;
  const thresholds = [0.3, 0.5, 0.2];
  const logit = (p: number) => Math.log(p / (1 - p));
  const at = (t: number, dz: number) => 1 / (1 + Math.exp(-(logit(t) + dz)));
  // Row 0: exactly on genre 1's threshold, 3 logits off the others. Row 1: 1 logit off each of the three.
  // Row 2: far from everything.
  const scores = new Float32Array([at(0.3, -3), 0.5, at(0.2, 3), at(0.3, 1), at(0.5, -1), at(0.2, 1), 0.001, 0.999, 0.999]);
  const index = await buildSimilarityIndex(embeddings(3, 64, {}), 3, 64);
  const rank = (sharpness?: number) => rankLabelNext({ scores, n: 3, g, thresholds, index, limit: 3, sharpness }).map((q) => q.row);
  assert.ok(DEFAULT_SHARPNESS > 1);
  assert.deepEqual(rank(), [0, 1, 2]);
  assert.equal(rankLabelNext({ scores, n: 3, g, thresholds, index, limit: 1 })[0].nearestGenre, 1);
  // At sharpness 1 (before) row 1's 3/e ≈ 1.104 beat row 0's 1 + 2/e³ ≈ 1.100; at 2 it is 3/e² ≈ 0.41 against ≈ 1.
  const { u } = thresholdUncertainty(scores, 3, g, thresholds);
  assert.ok(Math.abs(u[0] - (1 + 2 * Math.exp(-3 * DEFAULT_SHARPNESS))) < 1e-4);
  assert.ok(Math.abs(u[1] - 3 * Math.exp(-DEFAULT_SHARPNESS)) < 1e-4);
  const before = thresholdUncertainty(scores, 3, g, thresholds, undefined, 1).u;
  assert.ok(before[1] > before[0], 'at sharpness 1 the vague poster came first');
});

test('near-duplicates do not fill the queue', async () => {
  const n = 40;
  const g = 2;
  // Posters 0-9 are near-copies of poster 0 and the most uncertain of all; the others are less so.
  const copies = Object.fromEntries(Array.from({ length: 9 }, (_, k) => [k + 1, 0]));
  const index = await buildSimilarityIndex(embeddings(n, 64, copies), n, 64);
  const scores = new Float32Array(n * g);
  for (let i = 0; i < n; i++) scores.set(i < 10 ? [0.5, 0.5] : [0.5 + 0.01 * i, 0.3], i * g);
  const queue = rankLabelNext({ scores, n, g, thresholds: [0.5, 0.5], index, limit: 8 });
  const fromCluster = queue.filter((q) => q.row < 10);
  assert.equal(fromCluster.length, 1, `one of the near-copies, not ${fromCluster.length}: ${queue.map((q) => q.row).join(',')}`);
  assert.equal(queue.length, 8);
  // Without diversity, pure uncertainty would have taken the copies.
  const plain = rankLabelNext({ scores, n, g, thresholds: [0.5, 0.5], index, limit: 8, diversity: 0, duplicateCosine: 2 });
  assert.ok(plain.every((q) => q.row < 10));
});

test('similarity: nearest neighbours and pairs above a threshold find the near-copies', async () => {
  const n = 50;
  const index = await buildSimilarityIndex(embeddings(n, 300, { 7: 3, 20: 11 }), n, 300);
  assert.equal(index.d, 256);
  assert.equal(nearest(index, 3, 1)[0].row, 7);
  assert.ok(nearest(index, 3, 1)[0].cosine > 0.95);
  const top5 = nearest(index, 11, 5);
  assert.equal(top5[0].row, 20);
  assert.ok(top5.every((h, i) => i === 0 || h.cosine <= top5[i - 1].cosine));
  assert.deepEqual(
    similarPairs(index, 0.9)
      .map((p) => [p.a, p.b])
      .sort((a, b) => a[0] - b[0]),
    [
      [3, 7],
      [11, 20],
    ],
  );
});

test('rarity weights favour rare genres and average 1', () => {
  const w = rarityWeights([3, 99, 0]);
  assert.ok(w[2] > w[0] && w[0] > w[1]);
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) / 3 - 1) < 1e-9);
});
