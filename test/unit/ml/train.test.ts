import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTf } from '../../../main/ml/tf';
import { trainHead, type EpochMetrics } from '../../../main/ml/train';
import { CancelledError } from '../../../main/core/errors';
import { standaloneJobContext, type JobProgress } from '../../../main/jobs/types';
import { buildHeadModel, denseParams, foldStandardisation, trainConfig, standardisation, standardise, trainingLogits } from '../../../main/ml/head';
import { predictScores } from '../../../main/ml/predict';
import { syntheticTask } from './synthetic';

test('the MLP head learns a synthetic multi-label task, beats the baselines and leaks no tensors', async () => {
  const { tf } = await loadTf();
  const task = syntheticTask();
  const before = tf.memory().numTensors;
  const seen: EpochMetrics[] = [];
  const res = await trainHead({
    train: task.train,
    val: task.val,
    genres: task.genres,
    config: trainConfig({ head: 'mlp', epochs: 8, seed: 3 }),
    onEpoch: (e) => seen.push(e),
  });
  assert.equal(res.config.head, 'mlp');
  assert.deepEqual(seen, res.history);
  assert.ok(res.history.length >= 1 && res.history.length <= 8);
  assert.ok(res.bestEpoch >= 1 && res.bestEpoch <= res.history.length);
  assert.ok(res.metrics.microF1 > 0.9, `micro-F1 ${res.metrics.microF1}`);
  assert.ok(res.metrics.mAP > 0.95, `mAP ${res.metrics.mAP}`);
  assert.ok(res.metrics.mAP > res.baselines.prior.report.mAP + 0.3);
  assert.ok(res.metrics.microF1 > res.baselines.topK.report.microF1 + 0.3);
  assert.equal(res.thresholds.length, task.genres.length);
  assert.ok(res.history[res.history.length - 1].train.loss < res.history[0].train.loss, 'training loss goes down');
  // The returned model takes raw embeddings and reproduces the reported validation metrics.
  const scores = await predictScores(res.model, task.val.x, task.val.n, { xFlip: task.val.xFlip });
  const { evaluate } = await import('../../../main/ml/metrics');
  assert.equal(evaluate(scores, task.val.y, task.val.n, task.genres, res.thresholds).microF1, res.metrics.microF1);
  assert.equal(tf.memory().numTensors - before, 4, 'only the model weights stay alive');
  res.model.dispose();
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
});

test('the baseline head (tutorial) learns too, without a validation set (stratified hold-out)', async () => {
  const task = syntheticTask({ seed: 9, flips: false });
  const res = await trainHead({ train: task.train, genres: task.genres, config: trainConfig({ head: 'baseline', epochs: 10, seed: 1, learningRate: 0.01 }) });
  assert.ok(res.holdout);
  assert.equal(res.holdout.train.length + res.holdout.val.length, task.train.n);
  assert.equal(res.valSize, res.holdout.val.length);
  assert.ok(res.valSize >= 40 && res.valSize <= 80, `val size ${res.valSize}`);
  assert.equal(res.config.hiddenUnits, 0);
  assert.ok(res.metrics.microF1 > 0.85, `micro-F1 ${res.metrics.microF1}`);
  res.model.dispose();
});

test('same data + config + seed give identical metrics; another seed does not', async () => {
  const task = syntheticTask({ train: 200, val: 80, seed: 5 });
  const run = async (seed: number) => {
    const r = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ head: 'mlp', epochs: 3, seed, patience: 0 }) });
    r.model.dispose();
    return { history: r.history, metrics: r.metrics, thresholds: r.thresholds };
  };
  const a = await run(11);
  const b = await run(11);
  assert.deepEqual(a, b);
  const c = await run(12);
  assert.notDeepEqual(c.history, a.history);
});

test('cancellation between batches throws CancelledError and frees every tensor', async () => {
  const { tf } = await loadTf();
  const task = syntheticTask({ train: 300, val: 60 });
  const before = tf.memory().numTensors;
  const ac = new AbortController();
  let batches = 0;
  await assert.rejects(
    trainHead({
      train: task.train,
      val: task.val,
      genres: task.genres,
      config: trainConfig({ head: 'mlp', epochs: 50, batchSize: 16 }),
      signal: ac.signal,
      onProgress: () => {
        if (++batches === 25) ac.abort(); // mid second epoch
      },
    }),
    (err: unknown) => err instanceof CancelledError,
  );
  assert.equal(batches, 25, 'stopped at the next batch');
  assert.equal(tf.memory().numTensors, before);
});

test('as a job: progress counts batches of all epochs, cancelling the job stops training', async () => {
  const task = syntheticTask({ train: 100, val: 40 });
  const ac = new AbortController();
  const seen: JobProgress[] = [];
  const job = standaloneJobContext({
    signal: ac.signal,
    onProgress: (p) => {
      seen.push(p);
      if (p.done === 9) ac.abort();
    },
  });
  await assert.rejects(
    trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ head: 'mlp', epochs: 5, batchSize: 25 }), job }),
    CancelledError,
  );
  assert.equal(seen.length, 9);
  assert.deepEqual(seen[0], { phase: 'Training', done: 1, total: 20, failed: 0, message: 'Epoch 1 of at most 5' });
  assert.equal(seen[8].message, 'Epoch 3 of at most 5');
});

test('bad input is refused with a clear message', async () => {
  const task = syntheticTask({ train: 50, val: 20 });
  assert.throws(() => trainConfig({ epochs: 0 }), /Invalid training settings: epochs/); // settings are validated before training
  const badVal = { x: new Float32Array(task.val.n * 7), y: task.val.y, n: task.val.n };
  await assert.rejects(trainHead({ train: task.train, val: badVal, genres: task.genres }), /different backbones/);
  await assert.rejects(trainHead({ train: { ...task.train, y: task.train.y.subarray(1) }, genres: task.genres }), /target values/);
  const nan = Float32Array.from(task.train.x);
  nan[40] = Number.NaN;
  await assert.rejects(trainHead({ train: { ...task.train, x: nan }, genres: task.genres }), /non-finite embedding value at poster 1/);
  await assert.rejects(trainHead({ train: task.train, genres: ['a', 'a', 'b', 'c', 'd'] }), /unique/);
});

test('fast matMul gradients equal autograd; folding the standardisation keeps predictions', async () => {
  const { tf } = await loadTf();
  const config = trainConfig({ head: 'mlp', hiddenUnits: 6, seed: 4 });
  const model = buildHeadModel(tf, config, 5, 3);
  const params = denseParams(model);
  const vars = params.flatMap((p) => [p.kernel, p.bias]);
  const x = tf.randomNormal([4, 5], 0, 1, 'float32', 1) as import('@tensorflow/tfjs').Tensor2D;
  const y = tf.tensor2d([1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0], [4, 3]);
  const loss = (logits: import('@tensorflow/tfjs').Tensor) => tf.losses.sigmoidCrossEntropy(y, logits) as import('@tensorflow/tfjs').Scalar;
  const fast = tf.variableGrads(() => loss(trainingLogits(tf, params, x, 0, 1)), vars);
  const plain = tf.variableGrads(() => {
    const h = tf.relu(tf.add(tf.matMul(x, params[0].kernel), params[0].bias));
    return loss(tf.add(tf.matMul(h, params[1].kernel), params[1].bias));
  }, vars);
  for (const v of vars) {
    const a = fast.grads[v.name].dataSync();
    const b = plain.grads[v.name].dataSync();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${v.name}[${i}]: ${a[i]} vs ${b[i]}`);
  }

  const raw = Float32Array.from({ length: 20 }, (_, i) => Math.sin(i) * 10 + 3);
  const stats = standardisation(raw, 4, 5);
  const onStandardised = await predictScores(model, standardise(raw, 5, stats.mean, stats.std), 4);
  foldStandardisation(tf, params[0], stats.mean, stats.std);
  const onRaw = await predictScores(model, raw, 4);
  for (let i = 0; i < onRaw.length; i++) assert.ok(Math.abs(onRaw[i] - onStandardised[i]) < 1e-5);
  tf.dispose([x, y, fast.value, plain.value, ...Object.values(fast.grads), ...Object.values(plain.grads)]);
  model.dispose();
});
