import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testBackend, waitForJob, openIndexed } from '../../helpers/backend';
import { makeTutorialLibrary, FIXTURE_GENRES } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { skipWithoutMobilenet as skip } from '../../helpers/backbones';

let b: ReturnType<typeof testBackend>;
let libraryId: number;
let root: string;
before(async () => {
  if (skip) return;
  b = testBackend();
  root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 60, val: 20, seed: 3 });
  libraryId = (await openIndexed(b, root)).id;
});
after(() => b?.close());

test('train a run end to end: embeddings, epochs, thresholds, model, evaluation, prediction', { skip }, async () => {
  const epochs: number[] = [];
  b.bus.subscribe((event, payload) => event === 'train:epoch' && epochs.push((payload as { epoch: { epoch: number } }).epoch.epoch));
  const { runId, job, queued } = await b.call('train:start', { libraryId, backbone: 'mobilenet_v2', head: 'mlp', epochs: 12, seed: 7, patience: 0 });
  assert.equal(queued, false);
  const final = await waitForJob(b, job.id);
  assert.equal(final.status, 'done', final.error);

  const run = await b.call('runs:get', { id: runId });
  assert.equal(run.status, 'done');
  assert.equal(run.history.length, 12);
  assert.deepEqual(
    epochs,
    Array.from({ length: 12 }, (_, i) => i + 1),
  );
  assert.deepEqual(run.genres, FIXTURE_GENRES);
  assert.ok(run.metrics && run.baselines);
  // Generated posters paint their genres as colour stripes: a frozen ImageNet backbone separates them well.
  assert.ok(run.metrics.mAP > run.baselines.prior.report.mAP + 0.2, `mAP ${run.metrics.mAP} vs prior ${run.baselines.prior.report.mAP}`);
  assert.ok(run.metrics.microF1 > 0.7, `micro-F1 ${run.metrics.microF1}`);
  assert.equal(run.thresholds?.length, FIXTURE_GENRES.length);
  assert.ok(run.hasModel);

  const ev = await b.call('runs:evaluation', { id: runId });
  assert.equal(ev.items.length, 20);
  assert.ok(ev.items.every((i) => i.scores.length === FIXTURE_GENRES.length && i.imageId));

  const files = fs
    .readdirSync(path.join(root, 'val'))
    .filter((f) => f.endsWith('.jpg'))
    .slice(0, 3)
    .map((f) => path.join(root, 'val', f));
  const preds = await b.call('predict:files', { runId, paths: [...files, path.join(root, 'missing.jpg')] });
  assert.equal(preds.length, 4);
  for (const p of preds.slice(0, 3)) {
    assert.equal(p.error, undefined);
    assert.deepEqual(Object.keys(p.probabilities), FIXTURE_GENRES);
    assert.ok(Object.values(p.probabilities).every((v) => v >= 0 && v <= 1));
  }
  assert.equal(preds[3].error, 'file not found');

  const list = await b.call('runs:list', {});
  assert.equal(list[0].id, runId);
  assert.equal(list[0].best?.mAP, run.metrics.mAP);
});

test('the default head: cross-validated on train and val, out-of-fold headline with intervals, decision rule in the model', { skip }, async () => {
  const { runId, job } = await b.call('train:start', { libraryId, backbone: 'mobilenet_v2', seed: 7 });
  const done = await waitForJob(b, job.id);
  assert.equal(done.status, 'done', done.error ?? '');
  const run = await b.call('runs:get', { id: runId });
  assert.equal(run.head, 'default');
  const ev = run.evaluation!;
  assert.equal(ev.kind, 'cross-validation');
  assert.equal(ev.n, 80, 'train and val posters together');
  assert.equal(ev.folds, 5);
  assert.ok(ev.intervals && ev.intervals.mAP.low <= run.best!.mAP && run.best!.mAP <= ev.intervals.mAP.high);
  assert.ok(
    ev.warnings.some((w) => /only 80 posters/.test(w)),
    'fewer than 100 posters: a warning',
  );
  assert.ok(run.best!.mAP > 0.8, `out-of-fold mAP ${run.best!.mAP}`);
  assert.equal(run.history.length, 13, 'one curve point per optimiser round');
  assert.equal(run.auto?.length, FIXTURE_GENRES.length);
  // The evaluation view gets every poster with its out-of-fold scores.
  const evaluation = await b.call('runs:evaluation', { id: runId });
  assert.equal(evaluation.items.length, 80);
  assert.equal(evaluation.outOfFold, true);
  // Predictions come back most confident first.
  const file = path.join(
    root,
    'val',
    fs.readdirSync(path.join(root, 'val')).find((f) => f.endsWith('.jpg'))!,
  );
  const [p] = await b.call('predict:files', { runId, paths: [file] });
  const probs = p.tags.map((g) => p.probabilities[g]);
  assert.deepEqual(
    probs,
    [...probs].sort((x, y) => y - x),
  );
  assert.ok(p.tags.length >= 1);
});

test('a cancelled run is marked cancelled and keeps no model; a second run waits for the first', { skip }, async () => {
  const first = await b.call('train:start', { libraryId, backbone: 'mobilenet_v2', head: 'mlp', epochs: 400, patience: 0, seed: 1 });
  const second = await b.call('train:start', { libraryId, backbone: 'mobilenet_v2', head: 'mlp', epochs: 400, patience: 0, seed: 2 });
  assert.equal(second.queued, true);
  // Cancel the first as soon as it trains, the second while it waits.
  await new Promise<void>((resolve) => {
    const off = b.bus.subscribe((event, payload) => {
      if (event === 'train:epoch' && (payload as { runId: number }).runId === first.runId) {
        off();
        resolve();
      }
    });
  });
  const t0 = Date.now();
  b.jobs.cancel(first.job.id);
  b.jobs.cancel(second.job.id);
  assert.equal((await waitForJob(b, first.job.id)).status, 'cancelled');
  assert.ok(Date.now() - t0 < 1500, `cancel took ${Date.now() - t0} ms`);
  assert.equal((await waitForJob(b, second.job.id)).status, 'cancelled');
  const run = await b.call('runs:get', { id: first.runId });
  assert.equal(run.status, 'cancelled');
  assert.equal(run.hasModel, false);
  await assert.rejects(b.call('runs:evaluation', { id: first.runId }), /no validation predictions/);
  await assert.rejects(b.call('predict:files', { runId: first.runId, paths: ['/x.jpg'] }), /has no saved model/);
});

test('bad training requests are refused with a clear message', { skip }, async () => {
  await assert.rejects(b.call('train:start', { libraryId, genres: { mode: 'tutorial' } }), /no genre "Crime", "Thriller", "Adventure"/);
  await assert.rejects(b.call('train:start', { libraryId, backbone: 'resnet' }), /Unknown backbone "resnet"/);
  await assert.rejects(b.call('train:start', { libraryId: 999 }), /No library/i);
  await assert.rejects(b.call('train:start', { libraryId, epochs: 0 } as never), /epochs/);
});

test('pausing a training holds it between batches (it trains in a worker thread) and resuming continues', { skip }, async () => {
  const { runId, job } = await b.call('train:start', { libraryId, backbone: 'mobilenet_v2', head: 'mlp', epochs: 400, patience: 0, seed: 3 });
  let epochs = 0;
  const off = b.bus.subscribe((event, payload) => {
    if (event === 'train:epoch' && (payload as { runId: number }).runId === runId) epochs++;
  });
  const waitEpochs = (n: number) =>
    new Promise<void>((resolve) => {
      const t = setInterval(() => epochs >= n && (clearInterval(t), resolve()), 10);
    });
  try {
    await waitEpochs(1);
    b.jobs.pause(job.id);
    await new Promise((r) => setTimeout(r, 600)); // the worker sees the pause within one poll
    const held = epochs;
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(epochs <= held + 1, `still training while paused (${held} → ${epochs})`);
    b.jobs.resume(job.id);
    await waitEpochs(held + 3);
  } finally {
    off();
    b.jobs.cancel(job.id);
  }
  assert.equal((await waitForJob(b, job.id)).status, 'cancelled');
});
