import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveThresholds, tuneGenreThresholds, tuneGlobalThreshold, tuneThresholds } from '../../../main/ml/thresholds';
import { evaluate } from '../../../main/ml/metrics';

test('per-genre threshold maximises that genre F1, halfway to the next lower score', () => {
  // positives at .9 .7 .4, negatives at .8 .3 .2 .1: best cut keeps >= .4 (tp 3, predicted 4, F1 6/7).
  const scores = [0.9, 0.8, 0.7, 0.4, 0.3, 0.2, 0.1];
  const targets = [1, 0, 1, 1, 0, 0, 0];
  const [t] = tuneGenreThresholds(scores, targets, 7, 1, { minPositives: 1 });
  assert.ok(t.tuned);
  assert.ok(Math.abs(t.threshold - 0.35) < 1e-12, `threshold ${t.threshold}`);
  assert.ok(Math.abs((t.f1 as number) - 6 / 7) < 1e-12);
  const r = evaluate(scores, targets, 7, ['g'], [t.threshold]);
  assert.ok(Math.abs((r.perGenre[0].f1 as number) - 6 / 7) < 1e-12, 'the threshold reproduces the F1 it promised');
});

test('genres with too few positives fall back instead of being fitted to noise', () => {
  // Two genres, interleaved rows: genre 1 has a single positive.
  const scores = [0.9, 0.1, 0.8, 0.7, 0.2, 0.2, 0.1, 0.3];
  const targets = [1, 0, 1, 1, 0, 0, 0, 0];
  const out = tuneGenreThresholds(scores, targets, 4, 2, { minPositives: 2, fallback: 0.42 });
  assert.equal(out[0].tuned, true);
  assert.deepEqual(out[1], { threshold: 0.42, f1: null, tuned: false });
  const all = tuneThresholds(scores, targets, 4, 2, { minPositives: 2 });
  assert.equal(all.thresholds[1], all.globalThreshold, 'rare genre uses the global threshold');
});

test('global threshold maximises micro-F1 over all decisions', () => {
  // 3 posters × 2 genres; positives .9 .6 .5, negatives .7 .2 .1 → best keeps >= .5 (tp 3, pred 4: 6/7).
  const scores = [0.9, 0.7, 0.6, 0.2, 0.5, 0.1];
  const targets = [1, 0, 1, 0, 1, 0];
  const { threshold, microF1 } = tuneGlobalThreshold(scores, targets, 3, 2);
  assert.ok(Math.abs(threshold - 0.35) < 1e-12, `threshold ${threshold}`);
  assert.ok(Math.abs(microF1 - 6 / 7) < 1e-12);
  assert.ok(Math.abs(evaluate(scores, targets, 3, ['a', 'b'], threshold).microF1 - 6 / 7) < 1e-12);
  assert.deepEqual(tuneGlobalThreshold([0.3, 0.4], [0, 0], 1, 2), { threshold: 0.5, microF1: 0 }, 'no positives: default');
});

test('a user override replaces every tuned threshold; bad overrides are refused', () => {
  assert.deepEqual(effectiveThresholds([0.2, 0.7, 0.4], 0.5), [0.5, 0.5, 0.5]);
  assert.deepEqual(effectiveThresholds([0.2, 0.7], null), [0.2, 0.7]);
  assert.deepEqual(effectiveThresholds([0.2, 0.7]), [0.2, 0.7]);
  assert.throws(() => effectiveThresholds([0.2], 1.5), /between 0 and 1/);
  assert.throws(() => effectiveThresholds([0.2], Number.NaN), /between 0 and 1/);
});
