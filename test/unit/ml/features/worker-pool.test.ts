import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acquireWorker, hasIdleWorker, releaseWorker, retainEmbeddingWorkers } from '../../../../main/ml/features/worker-pool';
import { FAKE_MODULE } from './fixtures';

test('two back ends in one process share the embedding pool: the first to close leaves the other its workers', async () => {
  const data = { backboneId: 'fake?size=8', backboneModule: FAKE_MODULE };
  const first = retainEmbeddingWorkers();
  const second = retainEmbeddingWorkers();
  await releaseWorker(data, await acquireWorker(data), 60_000);
  assert.equal(hasIdleWorker(data), true, 'a loaded worker waits for the next run');
  await first();
  await first(); // releasing twice counts once
  assert.equal(hasIdleWorker(data), true, 'still held by the second back end');
  await second();
  assert.equal(hasIdleWorker(data), false, 'the last holder shut the pool down');
});
