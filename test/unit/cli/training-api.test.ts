// Through the gate, with results validated against the contract: determinism of train:start (same data,
// settings and seed → same metrics, curves, thresholds and scores) and runs:export / runs:import.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openIndexed, testBackend, waitForJob } from '../../helpers/backend';
import { makeTutorialLibrary } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { skipWithoutMobilenet as skip } from './helpers';

let b: ReturnType<typeof testBackend> | undefined;
let firstRunId = 0;
after(() => b?.close());

test('training is deterministic for a given seed (and the seed matters)', { skip }, async () => {
  b = testBackend();
  const root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 40, val: 16, seed: 9 });
  const library = await openIndexed(b, root);
  const train = async (seed: number) => {
    const { runId, job } = await b!.call('train:start', { libraryId: library.id, backbone: 'mobilenet_v2', epochs: 8, seed, patience: 0 });
    const final = await waitForJob(b!, job.id);
    assert.equal(final.status, 'done', final.error);
    const run = await b!.call('runs:get', { id: runId });
    const evaluation = await b!.call('runs:evaluation', { id: runId });
    firstRunId ||= runId;
    return { metrics: run.metrics, history: run.history, thresholds: run.thresholds, scores: evaluation.items.map((i) => i.scores) };
  };
  const first = await train(11);
  const second = await train(11);
  assert.ok(first.metrics);
  assert.deepEqual(second, first);
  const other = await train(12);
  assert.notDeepEqual(other.history, first.history);
});

test('runs:export and runs:import: one file, a new done run in another data folder, same predictions', { skip }, async () => {
  assert.ok(b && firstRunId);
  const file = path.join(tempDir(), 'exported.json');
  const exported = await b.call('runs:export', { id: firstRunId, file });
  assert.equal(exported.file, file);
  assert.equal(exported.bytes, fs.statSync(file).size);
  const before = fs.readFileSync(file);
  assert.deepEqual(await b.call('runs:export', { id: firstRunId, file }), { file, bytes: 0, exists: file }, 'an existing file is named, not replaced');
  assert.deepEqual(fs.readFileSync(file), before);
  assert.ok((await b.call('runs:export', { id: firstRunId, file, overwrite: true })).bytes > 0);
  await assert.rejects(b.call('runs:import', { file: '' } as never), /Type a path\./);

  const other = testBackend();
  try {
    const updates: unknown[] = [];
    other.bus.subscribe((event, payload) => event === 'run:update' && updates.push(payload));
    const run = await other.call('runs:import', { file });
    assert.equal(run.status, 'done');
    assert.equal(run.libraryId, null);
    assert.match(run.dataset, /Imported from exported\.json/);
    assert.deepEqual(updates, [{ runId: run.id, status: 'done' }]);
    const detail = await other.call('runs:get', { id: run.id });
    assert.equal(detail.thresholds?.length, detail.genres.length);
    assert.match(detail.notes[0], /Imported from exported\.json/);
    const posters = (await b.call('posters:query', { libraryId: 1, split: 'val', limit: 3 })).items;
    const library = (await b.call('library:list', {}))[0];
    const paths = posters.map((p) => path.join(library.root, p.relPath));
    const here = await b.call('predict:files', { runId: firstRunId, paths });
    const there = await other.call('predict:files', { runId: run.id, paths });
    assert.deepEqual(there, here);
  } finally {
    await other.close();
  }
});
