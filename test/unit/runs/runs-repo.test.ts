import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../main/db/database';
import { addRunEpoch, createRun, deleteRun, getRun, getRunEpochs, listRuns, markInterruptedRuns, setRunStatus } from '../../../main/runs/runs-repo';
import { trainConfig } from '../../../main/ml/head';

const newRun = (libraryId: number | null, dataset = 'movie posters: train 3000 / val 750') => ({
  libraryId,
  dataset,
  backbone: 'mobilenet_v2',
  genres: ['Action', 'Drama'],
  config: { head: 'default' as const, epochs: 30 },
  seed: 7,
});
const epoch = (n: number, mAP: number) => ({
  epoch: n,
  train: { loss: 0.5 / n, microF1: 0.4, macroF1: 0.3, mAP: mAP + 0.1 },
  val: { loss: 0.6 / n, microF1: 0.35, macroF1: 0.25, mAP },
});

test('runs: create, status changes, epochs, list, get, delete with cascade', () => {
  const db = openDatabase(':memory:');
  try {
    const run = createRun(db, newRun(1));
    assert.equal(run.status, 'queued');
    assert.deepEqual(run.genres, ['Action', 'Drama']);
    assert.deepEqual(run.config, trainConfig({ head: 'default', epochs: 30 })); // read back with the settings schema
    assert.equal(run.startedAt, null);
    assert.match(run.createdAt, /^\d{4}-\d\d-\d\dT/);

    assert.equal(setRunStatus(db, run.id, 'running'), true);
    assert.ok(getRun(db, run.id)!.startedAt);
    addRunEpoch(db, run.id, epoch(1, 0.2));
    addRunEpoch(db, run.id, epoch(2, 0.3));
    addRunEpoch(db, run.id, { ...epoch(2, 0.31), val: { ...epoch(2, 0.31).val, loss: Number.NaN } }); // replaces epoch 2
    const epochs = getRunEpochs(db, run.id);
    assert.equal(epochs.length, 2);
    assert.deepEqual(epochs[0], epoch(1, 0.2));
    assert.equal(epochs[1].val.mAP, 0.31);
    assert.ok(Number.isNaN(epochs[1].val.loss), 'a non-finite value round-trips as NaN (stored NULL)');

    assert.equal(setRunStatus(db, run.id, 'done', { metrics: { mAP: 0.31 }, modelPath: '/models/1' }), true);
    const done = getRun(db, run.id)!;
    assert.equal(done.status, 'done');
    assert.ok(done.finishedAt);
    assert.deepEqual(done.metrics, { mAP: 0.31 });
    assert.equal(done.modelPath, '/models/1');

    const other = createRun(db, newRun(2));
    createRun(db, newRun(null, 'no library'));
    assert.deepEqual(
      listRuns(db).map((r) => r.id),
      [3, 2, 1],
      'newest first',
    );
    assert.deepEqual(
      listRuns(db, { libraryId: 2 }).map((r) => r.id),
      [other.id],
    );
    assert.equal(listRuns(db, { limit: 1 }).length, 1);
    assert.equal(setRunStatus(db, 999, 'failed'), false);
    assert.throws(() => setRunStatus(db, run.id, 'paused' as never), /Unknown run status/);

    assert.equal(deleteRun(db, run.id), true);
    assert.equal(getRun(db, run.id), undefined);
    assert.equal(getRunEpochs(db, run.id).length, 0, 'epochs deleted with the run');
    assert.equal(deleteRun(db, run.id), false);
  } finally {
    db.close();
  }
});

test('runs left running or queued by a previous session are marked interrupted at start-up', () => {
  const db = openDatabase(':memory:');
  try {
    const a = createRun(db, newRun(1));
    const b = createRun(db, newRun(1));
    const c = createRun(db, newRun(1));
    setRunStatus(db, a.id, 'running');
    setRunStatus(db, b.id, 'failed', { error: 'Out of memory' });
    assert.equal(markInterruptedRuns(db), 2);
    const ra = getRun(db, a.id)!;
    assert.equal(ra.status, 'interrupted');
    assert.match(ra.error!, /stopped before the run finished/);
    assert.ok(ra.finishedAt);
    assert.equal(getRun(db, b.id)!.error, 'Out of memory');
    assert.equal(getRun(db, c.id)!.status, 'interrupted'); // it was queued behind a's lane, which is gone
    assert.equal(markInterruptedRuns(db), 0);
    assert.throws(() => db.prepare(`UPDATE runs SET status = 'weird' WHERE id = ?`).run(c.id), /CHECK constraint/);
  } finally {
    db.close();
  }
});
