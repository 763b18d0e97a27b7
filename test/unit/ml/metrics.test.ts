import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision, binaryCrossEntropy, evaluate } from '../../../main/ml/metrics';
import { trivialBaselines } from '../../../main/ml/baselines';

// 4 posters × 3 genres; genre C has no positives but one false positive (poster 1).
const genres = ['A', 'B', 'C'];
const scores = Float32Array.from([0.9, 0.2, 0.1, 0.6, 0.7, 0.6, 0.3, 0.8, 0.2, 0.1, 0.4, 0.3]);
const targets = Uint8Array.from([1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0]);
const close = (actual: number | null, expected: number, msg?: string) => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-6, `${msg ?? ''} expected ${expected}, got ${actual}`);
};

test('evaluate matches hand-computed values at 0.5', () => {
  const r = evaluate(scores, targets, 4, genres, 0.5);
  const [a, b, c] = r.perGenre;
  assert.deepEqual([a.support, a.predicted, a.truePositives], [2, 2, 1]);
  close(a.precision, 0.5);
  close(a.recall, 0.5);
  close(a.f1, 0.5);
  close(a.averagePrecision, 0.5 + 1 / 3, 'AP(A)'); // P=1 at R=.5, then P=2/3 at R=1
  close(b.f1, 1);
  close(b.averagePrecision, 1);
  // No positives: undefined recall/F1/AP, precision 0 because something was predicted.
  assert.equal(c.support, 0);
  assert.equal(c.predicted, 1);
  assert.equal(c.precision, 0);
  assert.equal(c.recall, null);
  assert.equal(c.f1, null);
  assert.equal(c.averagePrecision, null);
  assert.equal(r.genresWithPositives, 2);
  close(r.macroF1, 0.75, 'macro-F1 averages A and B only');
  close(r.mAP, (0.5 + 1 / 3 + 1) / 2, 'mAP averages A and B only');
  // Micro counts C's false positive: tp 3, predicted 5, true 4.
  close(r.microPrecision, 3 / 5);
  close(r.microRecall, 3 / 4);
  close(r.microF1, 6 / 9);
  // Samples: 1, 2·1/(3+1), 2·1/(1+2), empty/empty = 1.
  close(r.samplesF1, (1 + 0.5 + 2 / 3 + 1) / 4);
  close(r.exactMatch, 0.5);
  const terms = [0.9, 0.8, 0.9, 0.4, 0.7, 0.4, 0.3, 0.8, 0.8, 0.9, 0.6, 0.7]; // probability given to the truth
  close(r.loss, -terms.reduce((s, p) => s + Math.log(p), 0) / 12, 'BCE');
});

test('per-genre thresholds change the decisions', () => {
  const r = evaluate(scores, targets, 4, genres, [0.25, 0.5, 0.9]);
  assert.equal(r.perGenre[0].predicted, 3);
  close(r.perGenre[0].f1, (2 * 2) / (2 + 3));
  assert.equal(r.perGenre[2].predicted, 0);
  assert.equal(r.perGenre[2].precision, null, 'nothing predicted: precision undefined');
  assert.throws(() => evaluate(scores, targets, 4, genres, [0.5, 0.5]), /2 thresholds for 3 genres/);
});

test('average precision handles tied scores like scikit-learn', () => {
  const s = Float32Array.from([0.5, 0.5, 0.5, 0.5]);
  const y = Uint8Array.from([0, 1, 0, 0]);
  close(averagePrecision(s, y, 4, 1, 0), 0.25);
  close(averagePrecision(Float32Array.from([0.8, 0.4, 0.4, 0.1]), Uint8Array.from([0, 1, 1, 0]), 4, 1, 0), 2 / 3);
});

test('binary cross-entropy clips and rejects shape mismatches', () => {
  assert.ok(Number.isFinite(binaryCrossEntropy([0, 1], [1, 0])));
  close(binaryCrossEntropy([1, 0], [1, 0]), 0);
  assert.throws(() => evaluate(scores, targets.subarray(0, 9), 4, genres), /Targets hold 9 values/);
});

test('trivial baselines: top-k most frequent genres and constant prior', () => {
  // Train: A on 3 of 4, B on 2 of 4, C never → mean labels 1.25 → k = 1 → always predict A.
  const train = { y: Uint8Array.from([1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0]), n: 4 };
  const b = trivialBaselines(train, { y: targets, n: 4 }, genres);
  assert.equal(b.topK.k, 1);
  assert.deepEqual(b.topK.genres, ['A']);
  // Predicting A everywhere on the split: A precision 2/4, recall 1; micro tp 2, pred 4, true 4.
  close(b.topK.report.microF1, 4 / 8);
  close(b.topK.report.perGenre[0].f1, (2 * 2) / (2 + 4));
  // Constant scores: AP equals each genre's prevalence in the split.
  close(b.prior.report.perGenre[0].averagePrecision, 0.5);
  close(b.prior.report.mAP, 0.5);
});
