import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTags, genreRates, microMacro } from '../../../contract/tag-counts';

// 3 posters × 2 genres. Genre A: truth [1,1,0], scores [0.9,0.2,0.7] at 0.5 → predicted 2, tp 1.
// Genre B: truth [0,0,0], scores [0.1,0.6,0.2] → predicted 1, tp 0, no support.
const scores = [
  [0.9, 0.1],
  [0.2, 0.6],
  [0.7, 0.2],
];
const truth = [
  [true, false],
  [true, false],
  [false, false],
];
const counts = countTags(
  3,
  [0.5, 0.5],
  (i, j) => scores[i][j],
  (i, j) => truth[i][j],
);

test('counts per genre at the thresholds', () => {
  assert.deepEqual(counts, { support: [2, 0], predicted: [2, 1], truePositives: [1, 0] });
  assert.deepEqual(genreRates(2, 2, 1), { precision: 0.5, recall: 0.5, f1: 0.5 });
  // No positives: recall and F1 are undefined, precision is 0 of 1 predicted.
  assert.deepEqual(genreRates(0, 1, 0), { precision: 0, recall: null, f1: null });
});

test('micro counts a genre without positives; macro leaves it out', () => {
  const m = microMacro(counts);
  assert.equal(m.microPrecision, 1 / 3);
  assert.equal(m.microRecall, 1 / 2);
  assert.equal(m.microF1, (2 * 1) / (3 + 2));
  assert.equal(m.macroF1, 0.5);
});

test('a genre that is not tagged adds no predictions but keeps its misses', () => {
  const m = microMacro(counts, (j) => j !== 0);
  assert.equal(m.predictedTotal, 1);
  assert.equal(m.trueTotal, 2);
  assert.equal(m.microRecall, 0);
  assert.equal(m.macroF1, 0);
});
