import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapIntervals, reliabilityWarnings, weightedAveragePrecision, type MetricIntervals } from '../../../main/ml/intervals';
import { averagePrecision, evaluate } from '../../../main/ml/metrics';
import { seededRandom } from '../../../main/ml/random';
import { gaussian } from './synthetic';

const METRICS = ['mAP', 'microF1', 'macroF1', 'samplesF1', 'tagsPerPoster'] as const;

function synth(n: number, g: number, seed: number, quantize = false) {
  const rand = seededRandom(seed);
  const scores = new Float64Array(n * g);
  const targets = new Uint8Array(n * g);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g; j++) {
      const y = rand() < 0.05 + 0.25 * (j / g) ? 1 : 0;
      targets[i * g + j] = y;
      const s = 1 / (1 + Math.exp(-(1.5 * (2 * y - 1) - 1 + gaussian(rand))));
      scores[i * g + j] = quantize ? Math.round(s * 10) / 10 : s;
    }
  }
  return { scores, targets, genres: Array.from({ length: g }, (_, j) => `genre${j}`) };
}

test('weighted AP equals metrics.averagePrecision on the explicitly duplicated data (ties included)', () => {
  const n = 300;
  const g = 3;
  const { scores, targets } = synth(n, g, 1, true);
  const rand = seededRandom(2);
  const weights = Int32Array.from({ length: n }, () => Math.floor(rand() * 4)); // 0..3 copies
  const dupS: number[] = [];
  const dupT: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < weights[i]; c++) {
      for (let j = 0; j < g; j++) {
        dupS.push(scores[i * g + j]);
        dupT.push(targets[i * g + j]);
      }
    }
  }
  const m = dupS.length / g;
  for (let j = 0; j < g; j++) {
    const w = weightedAveragePrecision(scores, targets, n, g, j, weights) as number;
    const d = averagePrecision(dupS, dupT, m, g, j) as number;
    assert.ok(Math.abs(w - d) < 1e-12, `genre ${j}: weighted ${w} vs duplicated ${d}`);
    const ones = new Int32Array(n).fill(1);
    assert.ok(Math.abs((weightedAveragePrecision(scores, targets, n, g, j, ones) as number) - (averagePrecision(scores, targets, n, g, j) as number)) < 1e-12);
  }
  assert.equal(weightedAveragePrecision([0.2, 0.4], [0, 1], 2, 1, 0, [1, 0]), null, 'no weighted positives');
});

test('intervals contain the point estimate, which is evaluate()', () => {
  const n = 600;
  const { scores, targets, genres } = synth(n, 6, 3);
  const thresholds = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55];
  const iv = bootstrapIntervals(scores, targets, n, genres, thresholds, { resamples: 500, seed: 4 });
  const r = evaluate(scores, targets, n, genres, thresholds);
  assert.equal(iv.mAP.value, r.mAP);
  assert.equal(iv.microF1.value, r.microF1);
  assert.equal(iv.macroF1.value, r.macroF1);
  assert.equal(iv.samplesF1.value, r.samplesF1);
  assert.ok(Math.abs(iv.tagsPerPoster.value - r.perGenre.reduce((s, m) => s + m.predicted, 0) / n) < 1e-12);
  for (const k of METRICS) {
    const { value, low, high } = iv[k];
    assert.ok(low <= value && value <= high, `${k}: ${low} ≤ ${value} ≤ ${high}`);
    assert.ok(high - low > 0, `${k} has some width`);
  }
  assert.ok(iv.microF1.high - iv.microF1.low < 0.15, 'not absurdly wide at N=600');
  assert.deepEqual([iv.n, iv.resamples, iv.level, iv.seed], [n, 500, 0.95, 4]);
});

test('intervals shrink with more data', () => {
  const g = 5;
  const t = 0.4;
  const small = synth(150, g, 5);
  const large = synth(3000, g, 6);
  const a = bootstrapIntervals(small.scores, small.targets, 150, small.genres, t, { resamples: 400 });
  const b = bootstrapIntervals(large.scores, large.targets, 3000, large.genres, t, { resamples: 400 });
  for (const k of METRICS) {
    const wa = a[k].high - a[k].low;
    const wb = b[k].high - b[k].low;
    assert.ok(wb < 0.5 * wa, `${k}: width ${wb} at N=3000 vs ${wa} at N=150`);
  }
});

test('deterministic for a seed, different for another', () => {
  const n = 400;
  const { scores, targets, genres } = synth(n, 4, 7);
  const run = (seed: number): MetricIntervals => bootstrapIntervals(scores, targets, n, genres, 0.45, { resamples: 200, seed });
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1).microF1, run(2).microF1);
});

test('"never tag" works as a mask, a threshold above 1 or Infinity', () => {
  const n = 500;
  const { scores, targets, genres } = synth(n, 4, 8);
  const opts = { resamples: 200, seed: 3 };
  const masked = bootstrapIntervals(scores, targets, n, genres, [0.4, 0.4, 0.4, 0.4], { ...opts, never: [false, true, false, true] });
  const above = bootstrapIntervals(scores, targets, n, genres, [0.4, 1.5, 0.4, 2], opts);
  const inf = bootstrapIntervals(scores, targets, n, genres, [0.4, Infinity, 0.4, Infinity], opts);
  assert.deepEqual(masked, above);
  assert.deepEqual(masked, inf);
  const all = bootstrapIntervals(scores, targets, n, genres, 0.4, opts);
  assert.ok(masked.tagsPerPoster.value < all.tagsPerPoster.value);
  assert.equal(masked.mAP.value, all.mAP.value, 'mAP does not depend on thresholds');
  assert.throws(() => bootstrapIntervals(scores, targets, n, genres, [0.4, Number.NaN, 0.4, 0.4], opts), /not a number/);
  assert.throws(() => bootstrapIntervals(scores, targets, n, genres, 0.4, { never: [true] }), /never-flags/);
  assert.throws(() => bootstrapIntervals(scores, targets, n, genres, 0.4, { resamples: 0 }), /resamples/);
});

test('no posters: point values, zero-width intervals', () => {
  const iv = bootstrapIntervals([], [], 0, ['a', 'b'], 0.5, { resamples: 10 });
  for (const k of METRICS) assert.equal(iv[k].low, iv[k].value);
});

test('N=3750 × G=25 with 1000 resamples in about a second', () => {
  const n = 3750;
  const { scores, targets, genres } = synth(n, 25, 9);
  const cpu0 = process.cpuUsage();
  bootstrapIntervals(scores, targets, n, genres, 0.4, { resamples: 1000 });
  const cpu = process.cpuUsage(cpu0);
  // CPU time, not wall time: a busy machine must not fail it, a slower algorithm would.
  const ms = (cpu.user + cpu.system) / 1000;
  assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms of CPU`);
});

test('reliability warnings', () => {
  assert.deepEqual(reliabilityWarnings(500, [50, 30], ['Action', 'Drama']), []);
  assert.deepEqual(reliabilityWarnings(60, [20, 40], ['Action', 'Drama']), ['These numbers rest on only 60 posters: they can be far off']);
  assert.deepEqual(reliabilityWarnings(1, [1], ['Action']), [
    'These numbers rest on a single poster: they can be far off',
    'Few examples of Action (1): its numbers are unreliable',
  ]);
  assert.deepEqual(reliabilityWarnings(100, [4, 10, 9, 0], ['History', 'Drama', 'War', 'Western']), [
    'Few examples of History (4): its numbers are unreliable',
    'Few examples of War (9): its numbers are unreliable',
    'No examples of Western among the evaluated posters: it has no numbers of its own',
  ]);
  assert.throws(() => reliabilityWarnings(100, [1], ['a', 'b']), /counts/);
});

test('few positives per genre: resampling inflates mAP, yet the estimate sits inside its interval, not on an edge', () => {
  // 400 posters, 25 genres, most with a handful of positives: the QA case "mAP 16.7% (11.7–16.7%)".
  const n = 400;
  const g = 25;
  const rand = seededRandom(8);
  const scores = new Float64Array(n * g);
  const targets = new Uint8Array(n * g);
  for (let i = 0; i < n * g; i++) {
    const j = i % g;
    targets[i] = rand() < (j < 3 ? 0.3 : 0.012) ? 1 : 0;
    scores[i] = 1 / (1 + Math.exp(-(0.6 * (2 * targets[i] - 1) - 1.5 + gaussian(rand))));
  }
  const genres = Array.from({ length: g }, (_, j) => `genre${j}`);
  const iv = bootstrapIntervals(scores, targets, n, genres, new Array(g).fill(0.3), { resamples: 400, seed: 2 });
  const { value, low, high } = iv.mAP;
  const width = high - low;
  assert.ok(width > 0.01, `a real interval (${low}–${high})`);
  assert.ok(high - value > 0.15 * width && value - low > 0.15 * width, `mAP ${value} should sit inside ${low}–${high}, not at an edge`);
});
