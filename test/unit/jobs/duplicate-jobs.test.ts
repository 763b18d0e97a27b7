import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { testBackend, waitForJob } from '../../helpers/backend';
import { makeTutorialLibrary } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { skipWithoutMobilenet as skip } from '../../helpers/backbones';
import { stableJson, tagJobKey, trainingJobKey } from '../../../main/jobs/duplicate-jobs';

let b: ReturnType<typeof testBackend> | undefined;
after(() => b?.close());

test('job keys: the same work gives the same key whatever the order; other work another', () => {
  assert.equal(tagJobKey(2, [5, 3, 5], false), tagJobKey(2, [3, 5], false));
  assert.notEqual(tagJobKey(2, [3, 5], false), tagJobKey(4, [3, 5], false));
  assert.notEqual(tagJobKey(2, [3, 5], false), tagJobKey(2, [3], false));
  assert.notEqual(tagJobKey(2, [3], false), tagJobKey(2, [3], true));
  const settings = { libraryId: 1, genres: ['Drama', 'Action'], backbone: 'mobilenet_v2', config: { head: 'default', epochs: 40, seed: 1 } };
  assert.equal(trainingJobKey(settings), trainingJobKey({ ...settings, genres: ['Action', 'Drama'], config: { seed: 1, epochs: 40, head: 'default' } }));
  assert.notEqual(trainingJobKey(settings), trainingJobKey({ ...settings, config: { ...settings.config, head: 'mlp' } }));
  assert.notEqual(trainingJobKey(settings), trainingJobKey({ ...settings, backbone: 'other' }));
  assert.notEqual(trainingJobKey(settings), trainingJobKey({ ...settings, genres: ['Drama'] }));
  assert.equal(stableJson({ b: [1, { d: 2, c: undefined }], a: 'x' }), '{"a":"x","b":[1,{"d":2}]}');
});

test('Train pressed again with identical settings returns the training at work, not a second run (QA #2)', { skip }, async () => {
  b = testBackend();
  const root = path.join(tempDir(), 'dataset');
  await makeTutorialLibrary(root, { train: 30, val: 10, seed: 4 });
  const { library, job } = await b.call('library:open', { path: root });
  assert.equal((await waitForJob(b, job.id)).status, 'done');
  const request = { libraryId: library.id, backbone: 'mobilenet_v2', epochs: 3, seed: 2, patience: 0 };
  const first = await b.call('train:start', request);
  const again = await b.call('train:start', { ...request, head: 'default' }); // the default, spelled out: the same settings
  assert.equal(again.alreadyRunning, true);
  assert.equal(again.runId, first.runId);
  assert.equal(again.job.id, first.job.id);
  assert.equal(again.queued, false);
  assert.equal((await b.call('runs:list', {})).length, 1, 'no second run was created');
  // Other settings are another run, queued behind the first; pressing that one again returns it as queued.
  const other = await b.call('train:start', { ...request, seed: 3 });
  assert.notEqual(other.runId, first.runId);
  assert.equal(other.queued, true);
  const otherAgain = await b.call('train:start', { ...request, seed: 3 });
  assert.equal(otherAgain.runId, other.runId);
  assert.equal(otherAgain.queued, true);
  assert.equal(otherAgain.alreadyRunning, true);
  b.jobs.cancel(other.job.id);
  b.jobs.cancel(first.job.id);
  await waitForJob(b, first.job.id);
  await waitForJob(b, other.job.id);
  // Once it has ended, the same settings start a new run.
  const fresh = await b.call('train:start', request);
  assert.ok(!fresh.alreadyRunning);
  assert.notEqual(fresh.runId, first.runId);
  b.jobs.cancel(fresh.job.id);
  await waitForJob(b, fresh.job.id);
});
