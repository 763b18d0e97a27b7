import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTf } from '../../../main/ml/tf';
import { buildHeadModel, trainConfig } from '../../../main/ml/head';
import { predictScores, tagsFromScores } from '../../../main/ml/predict';
import { CancelledError } from '../../../main/core/errors';

test('test-time flip averages original and flipped scores; batching does not change results', async () => {
  const { tf } = await loadTf();
  const model = buildHeadModel(tf, trainConfig({ head: 'default', hiddenUnits: 4 }), 3, 2);
  const x = Float32Array.from([1, 2, 3, -1, 0, 2, 0.5, 0.5, 0.5]);
  const xFlip = Float32Array.from([3, 2, 1, 2, 0, -1, 0.1, 0.2, 0.3]);
  const a = await predictScores(model, x, 3);
  const b = await predictScores(model, xFlip, 3);
  const both = await predictScores(model, x, 3, { xFlip, batchSize: 2 });
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(both[i] - (a[i] + b[i]) / 2) < 1e-6);
  assert.deepEqual(await predictScores(model, x, 3, { batchSize: 1 }), a);
  await assert.rejects(predictScores(model, x.subarray(1), 3), /Expected 3 embeddings of size 3/);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(predictScores(model, x, 3, { signal: ac.signal }), CancelledError);
  model.dispose();
});

test('tags use per-genre thresholds, or the override for all', () => {
  const scores = [0.9, 0.3, 0.5, 0.6];
  assert.deepEqual(tagsFromScores(scores, 2, ['Drama', 'Horror'], [0.5, 0.25]), [
    ['Drama', 'Horror'],
    ['Drama', 'Horror'],
  ]);
  assert.deepEqual(tagsFromScores(scores, 2, ['Drama', 'Horror'], [0.95, 0.7]), [[], []]);
  assert.deepEqual(tagsFromScores(scores, 2, ['Drama', 'Horror'], [0.95, 0.7], 0.5), [['Drama'], ['Drama', 'Horror']]);
  assert.throws(() => tagsFromScores(scores, 2, ['Drama', 'Horror'], [0.5]), /1 thresholds for 2 genres/);
});
