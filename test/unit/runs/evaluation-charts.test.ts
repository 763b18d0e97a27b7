// The numbers behind the Evaluation view's charts, against values worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationBins, evaluationCharts, prCurve, thinCurve } from '../../../main/runs/evaluation-charts';
import { averagePrecision } from '../../../main/ml/metrics';
import { countTags, genreRates } from '../../../contract/tag-counts';

const close = (a: number | null, b: number, msg?: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} ≠ ${b}`);

test('PR curve: one point per distinct score, tied scores one point, highest threshold first', () => {
  // 3 positives. 0.9: 1 TP → P 1, R 1/3 · 0.8 (a tie, one of each): 2 TP 1 FP → 2/3, 2/3 · 0.3 (a tie): 3/5, 1 · 0.1: 3/6, 1.
  const c = prCurve([0.3, 0.8, 0.1, 0.9, 0.8, 0.3], [true, true, false, true, false, false]);
  assert.equal(c.positives, 3);
  assert.deepEqual(c.threshold, [0.9, 0.8, 0.3, 0.1]);
  [1, 2 / 3, 3 / 5, 1 / 2].forEach((p, k) => close(c.precision[k], p, `precision ${k}`));
  [1 / 3, 2 / 3, 1, 1].forEach((r, k) => close(c.recall[k], r, `recall ${k}`));
  // Its area by recall steps is the run's average precision (same tie rule): 1/3·1 + 1/3·2/3 + 1/3·3/5.
  const ap = c.recall.reduce((sum, r, k) => sum + (r - (c.recall[k - 1] ?? 0)) * c.precision[k], 0);
  close(ap, 1 / 3 + 2 / 9 + 1 / 5);
  close(averagePrecision(new Float32Array([0.3, 0.8, 0.1, 0.9, 0.8, 0.3]), new Float32Array([1, 1, 0, 1, 0, 0]), 6, 1, 0), ap);
});

test("every PR point is the app's one counting of tags (contract/tag-counts) at that point's threshold", () => {
  let seed = 9;
  const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const positive = Array.from({ length: 300 }, () => rnd() < 0.3);
  // Scores rounded to two decimals: many ties.
  const scores = positive.map((p) => Math.round(Math.min(1, (p ? 0.3 : 0) + rnd() * 0.7) * 100) / 100);
  const c = prCurve(scores, positive);
  c.threshold.forEach((t, k) => {
    const counts = countTags(
      scores.length,
      [t],
      (i) => scores[i],
      (i) => positive[i],
    );
    const rates = genreRates(counts.support[0], counts.predicted[0], counts.truePositives[0]);
    close(c.precision[k], rates.precision as number, `precision at ${t}`);
    close(c.recall[k], rates.recall as number, `recall at ${t}`);
  });
});

test('PR curve of a genre without positives has no points (recall is undefined)', () => {
  const c = prCurve([0.2, 0.7], [false, false]);
  assert.deepEqual(c, { positives: 0, threshold: [], precision: [], recall: [] });
});

test('thinning keeps the first and last point and exact thresholds, and bounds the points', () => {
  const n = 2000;
  const scores = Array.from({ length: n }, (_, i) => 1 - i / n);
  const curve = prCurve(
    scores,
    scores.map((_, i) => i % 3 === 0),
  );
  const thin = thinCurve(curve, 100);
  assert.ok(thin.threshold.length <= 210, `${thin.threshold.length} points`);
  assert.equal(thin.threshold[0], curve.threshold[0]);
  assert.equal(thin.recall.at(-1), 1);
  for (let k = 0; k < thin.threshold.length; k++) {
    const i = curve.threshold.indexOf(thin.threshold[k]);
    assert.equal(thin.precision[k], curve.precision[i]);
  }
  assert.equal(thinCurve(prCurve([0.5], [true]), 100).threshold.length, 1);
});

test('calibration bins: counts, means and observed rates per bin; empty bins are null; 1.0 in the last bin', () => {
  const r = calibrationBins([0.05, 0.15, 0.12, 0.95, 1.0, 0.5], [false, true, false, true, true, false], 10);
  assert.equal(r.n, 6);
  assert.equal(r.bins.length, 10);
  assert.deepEqual(
    r.bins.map((b) => b.count),
    [1, 2, 0, 0, 0, 1, 0, 0, 0, 2],
  );
  close(r.bins[0].meanPredicted, 0.05);
  close(r.bins[0].observed, 0);
  close(r.bins[1].meanPredicted, 0.135);
  close(r.bins[1].observed, 0.5);
  close(r.bins[5].observed, 0);
  close(r.bins[9].meanPredicted, 0.975);
  close(r.bins[9].observed, 1);
  assert.deepEqual(r.bins[2], { low: 0.2, high: 0.3, count: 0, meanPredicted: null, observed: null });
  // ECE: 1/6·0.05 + 2/6·0.365 + 1/6·0.5 + 2/6·0.025
  close(r.ece, 0.05 / 6 + (2 * 0.365) / 6 + 0.5 / 6 + (2 * 0.025) / 6);
  assert.equal(calibrationBins([], []).ece, null);
});

test("evaluation charts: a curve per genre in the run's order and one reliability plot of every probability", () => {
  const charts = evaluationCharts({
    genres: ['Action', 'Drama'],
    items: [
      { scores: [0.9, 0.2], truth: ['Action'] },
      { scores: [0.4, 0.6], truth: ['Drama'] },
      { scores: [0.1, 0.7], truth: [] },
    ],
  });
  assert.deepEqual(
    charts.curves.map((c) => [c.genre, c.positives, c.threshold]),
    [
      ['Action', 1, [0.9, 0.4, 0.1]],
      ['Drama', 1, [0.7, 0.6, 0.2]],
    ],
  );
  assert.deepEqual(charts.curves[1].precision, [0, 1 / 2, 1 / 3]);
  assert.equal(charts.calibration.n, 6);
  assert.equal(
    charts.calibration.bins.reduce((s, b) => s + b.count, 0),
    6,
  );
});
