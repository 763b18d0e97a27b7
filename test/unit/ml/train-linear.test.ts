import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTf } from '../../../main/ml/tf';
import { trainHead, type EpochMetrics } from '../../../main/ml/train';
import { stratifiedFolds, trainLinearCv } from '../../../main/ml/linear-cv';
import { pickRows } from '../../../main/ml/rows';
import { predictScores } from '../../../main/ml/predict';
import { evaluate } from '../../../main/ml/metrics';
import { fitDecisionRule, thresholdsForMode } from '../../../main/ml/decision-rule';
import { CancelledError } from '../../../main/core/errors';
import { standaloneJobContext } from '../../../main/jobs/types';
import { seededRandom } from '../../../main/ml/random';
import { gaussian, syntheticTask } from './synthetic';
import { trainConfig } from '../../../main/ml/head';

test('the default head cross-validates a linear model: out-of-fold metrics, a decision rule, a model on raw embeddings', async () => {
  const { tf } = await loadTf();
  const task = syntheticTask({ train: 300, val: 100, dim: 24, noise: 1.5, seed: 4 });
  const before = tf.memory().numTensors;
  const seen: EpochMetrics[] = [];
  const res = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ seed: 2 }), onEpoch: (e) => seen.push(e) });
  assert.equal(res.config.head, 'default');
  assert.deepEqual(seen, res.history, 'every round reached the caller');
  assert.ok(res.history.length >= 5, 'the curve has points');
  assert.equal(res.trainSize, 400, 'train and val both go into cross-validation');
  const cv = res.crossValidation!;
  assert.equal(cv.folds, 5);
  assert.equal(cv.cvTable.length, 3);
  assert.ok(cv.cvTable.some((r) => r.c === cv.c));
  assert.ok(res.decision && res.decision.genres.every((d) => d.auto), 'every synthetic genre is learnable');
  assert.ok(res.metrics.mAP > 0.8, `out-of-fold mAP ${res.metrics.mAP}`);
  assert.ok(res.metrics.mAP > res.baselines.prior.report.mAP + 0.3);
  assert.ok(cv.intervals.mAP.low <= res.metrics.mAP && res.metrics.mAP <= cv.intervals.mAP.high);
  assert.ok(cv.intervals.mAP.high - cv.intervals.mAP.low < 0.2);
  // The out-of-fold scores reproduce the reported metrics at the rule's thresholds.
  const y = Uint8Array.from([...task.train.y, ...task.val.y]);
  assert.equal(evaluate(res.oofScores!, y, 400, task.genres, thresholdsForMode(res.decision!, 'balanced')).microF1, res.metrics.microF1);
  // The saved model takes raw embeddings (the standardisation is folded into its kernel).
  const scores = await predictScores(res.model, task.val.x, task.val.n, { xFlip: task.val.xFlip });
  assert.ok(evaluate(scores, task.val.y, task.val.n, task.genres, 0.5).mAP > 0.85);
  assert.equal(tf.memory().numTensors - before, 2, 'only the model weights stay alive');
  res.model.dispose();
});

test('a weak L2 strength is preferred when the signal is clean, a strong one when it is noise', async () => {
  const rand = seededRandom(3);
  const n = 240;
  const dim = 60;
  const g = 2;
  const x = new Float32Array(n * dim);
  const y = new Uint8Array(n * g);
  for (let i = 0; i < n; i++) {
    y[i * g] = rand() < 0.5 ? 1 : 0; // genre 0: dimension 0 carries it
    y[i * g + 1] = rand() < 0.3 ? 1 : 0; // genre 1: pure noise
    for (let d = 0; d < dim; d++) x[i * dim + d] = gaussian(rand) + (d === 0 ? 3 * y[i * g] : 0);
  }
  const res = await trainLinearCv({ x, y, n, dim, g, cGrid: [1e-4, 1e-1], iterations: 80 });
  assert.equal(res.c, 1e-1, JSON.stringify(res.cvTable));
  assert.equal(res.kernel.length, dim * g);
  // The learnt direction is dimension 0 for genre 0.
  let best = 0;
  for (let d = 1; d < dim; d++) if (Math.abs(res.kernel[d * g]) > Math.abs(res.kernel[best * g])) best = d;
  assert.equal(best, 0);
});

test('folds are stratified: each fold gets its share of a rare genre', () => {
  const n = 100;
  const g = 2;
  const y = new Uint8Array(n * g);
  for (let i = 0; i < 10; i++) y[i * 10 * g + 1] = 1; // 10 rare positives
  for (let i = 0; i < n; i++) y[i * g] = i % 2;
  const fold = stratifiedFolds(y, n, g, 5, 1);
  for (let f = 0; f < 5; f++) {
    let rare = 0;
    let size = 0;
    for (let i = 0; i < n; i++)
      if (fold[i] === f) {
        size++;
        rare += y[i * g + 1];
      }
    assert.equal(size, 20);
    assert.equal(rare, 2);
  }
});

test('the default head is deterministic for a seed and stops on cancel', async () => {
  const task = syntheticTask({ train: 120, val: 40, seed: 8 });
  const a = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ seed: 5, iterations: 20 }) });
  const b = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ seed: 5, iterations: 20 }) });
  assert.deepEqual(a.metrics, b.metrics);
  assert.deepEqual(a.decision, b.decision);
  a.model.dispose();
  b.model.dispose();
  const ac = new AbortController();
  const job = standaloneJobContext({ signal: ac.signal, onProgress: (p) => p.done >= 10 && ac.abort() });
  await assert.rejects(trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ iterations: 100 }), job }), CancelledError);
});

test('too few posters for cross-validation is refused with a reason', async () => {
  const task = syntheticTask({ train: 3, val: 0, seed: 8 });
  await assert.rejects(trainHead({ train: task.train, genres: task.genres }), /at least 4 labelled posters/);
});

test('a library too large to cross-validate in memory is refused with the way out', async () => {
  const n = 15_001;
  const set = { x: new Float32Array(n), y: new Uint8Array(n), n };
  await assert.rejects(trainHead({ train: set, genres: ['g'] }), /at most 15,000 labelled posters \(this library has 15,001\); choose the MLP head/);
});

test("the default head chooses on the train side alone: the val posters' out-of-fold scores are never looked at by a choice", async () => {
  const task = syntheticTask({ train: 200, val: 80, dim: 16, noise: 2, seed: 6 });
  const res = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ seed: 3 }) });
  const g = task.genres.length;
  const y = Uint8Array.from([...task.train.y, ...task.val.y]);
  const trainRows = Array.from({ length: task.train.n }, (_, i) => i);
  const oof = res.oofScores!;
  // The chosen strength's table entry is the train side's out-of-fold mAP, not all posters'.
  const trainSide = evaluate(pickRows(oof, trainRows, g), pickRows(y, trainRows, g), task.train.n, task.genres, 0.5).mAP;
  const everyone = evaluate(oof, y, 280, task.genres, 0.5).mAP;
  const chosen = res.crossValidation!.cvTable.find((r) => r.c === res.crossValidation!.c)!;
  assert.ok(Math.abs(chosen.oofMAP - trainSide) < 1e-6, `${chosen.oofMAP} vs train side ${trainSide} (all: ${everyone})`);
  assert.notEqual(trainSide.toFixed(6), everyone.toFixed(6));
  // The decision rule is the one fitted on the train side's out-of-fold scores.
  const rule = fitDecisionRule(pickRows(oof, trainRows, g), pickRows(y, trainRows, g), task.train.n, task.genres, { seed: 3 });
  assert.deepEqual(
    res.decision!.genres.map((d) => d.thresholds),
    rule.genres.map((d) => d.thresholds),
  );
  res.model.dispose();
});
