// Model files between computers: the export carries how the run was measured and an import restores it
// (QA #4); importing the same model twice names the run that has it (QA #6); a folder is not a model file;
// export refuses a folder that does not exist (QA #17); an import never becomes the automatic default
// while a run trained here has a model (QA #5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testBackend } from '../../helpers/backend';
import { tempDir } from '../../helpers/temp';
import { syntheticTask } from '../ml/synthetic';
import { trainHead, type TrainResult } from '../../../main/ml/train';
import { saveHead, headInfoFromTraining, exportHead } from '../../../main/runs/model-io';
import { createRun, getRun, setRunStatus } from '../../../main/runs/runs-repo';
import { setPreferredRun } from '../../../main/runs/run-tagging-repo';
import { chooseRun } from '../../../main/runs/run-choice';
import type { RunOutcome } from '../../../main/training/train-run';
import { skipWithoutMobilenet as skip } from '../cli/helpers';
import { trainConfig } from '../../../main/ml/head';

const BACKBONE = { id: 'mobilenet_v2', sha256: {}, inputSize: 224, preprocessing: { kind: 'scale' as const, mean: 127.5, std: 127.5 } };

/** A done run trained here on synthetic embeddings (default head: cross-validated, with intervals). */
async function trainedRun(b: ReturnType<typeof testBackend>, seed = 1) {
  const task = syntheticTask({ train: 60, val: 20, seed: 3 + seed });
  const trained: TrainResult = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ seed, iterations: 40 }) });
  const run = createRun(b.db, {
    libraryId: 1,
    dataset: 'synthetic',
    backbone: 'mobilenet_v2',
    genres: task.genres,
    config: trainConfig({ ...trained.config }),
    seed,
  });
  const dir = path.join(b.paths.models, `run-${run.id}`);
  await saveHead(dir, trained.model, headInfoFromTraining(trained, BACKBONE));
  trained.model.dispose();
  const outcome: RunOutcome = {
    metrics: trained.metrics,
    metricsGlobal: trained.metricsGlobal,
    baselines: trained.baselines,
    thresholds: trained.thresholds,
    globalThreshold: trained.globalThreshold,
    bestEpoch: trained.bestEpoch,
    stoppedEarly: trained.stoppedEarly,
    trainSize: trained.trainSize,
    valSize: trained.valSize,
    durationMs: 1,
    notes: [],
    tfBackend: trained.backend,
    decision: trained.decision,
    crossValidation: trained.crossValidation,
  };
  setRunStatus(b.db, run.id, 'done', { metrics: outcome, modelPath: dir });
  return run.id;
}

test('an exported run imported elsewhere says how it was measured: out of fold, n, folds, 95% intervals, warnings', { skip }, async () => {
  const here = testBackend();
  const there = testBackend();
  try {
    const runId = await trainedRun(here);
    const original = (await here.call('runs:get', { id: runId })).evaluation;
    assert.equal(original?.kind, 'cross-validation');
    assert.ok(original?.intervals, 'the run trained here has intervals');

    const file = path.join(tempDir(), 'model.ptmodel');
    await here.call('runs:export', { id: runId, file });
    const imported = await there.call('runs:import', { file });
    assert.deepEqual(imported.evaluation, original, 'the import reports the same measurement as the original');
    assert.deepEqual((await there.call('runs:list', {}))[0].evaluation, original);

    // An older model file (no summary at export): its metadata's out-of-fold intervals are still restored.
    const older = path.join(tempDir(), 'older.ptmodel');
    exportHead(getRun(here.db, runId)!.modelPath!, older);
    const third = testBackend();
    try {
      const old = await third.call('runs:import', { file: older });
      assert.equal(old.evaluation?.kind, 'cross-validation');
      assert.equal(old.evaluation?.n, original.n);
      assert.equal(old.evaluation?.folds, original.folds);
      assert.deepEqual(old.evaluation?.intervals, original.intervals);
    } finally {
      third.close();
    }
  } finally {
    here.close();
    there.close();
  }
});

test('importing the same model again names the run that has it; a folder is not a model file', { skip }, async () => {
  const b = testBackend();
  const other = testBackend();
  try {
    const runId = await trainedRun(b);
    const file = path.join(tempDir(), 'model.ptmodel');
    await b.call('runs:export', { id: runId, file });

    const first = await other.call('runs:import', { file });
    const copy = path.join(tempDir(), 'renamed copy.ptmodel');
    fs.copyFileSync(file, copy);
    for (const again of [file, copy]) {
      await assert.rejects(other.call('runs:import', { file: again }), new RegExp(`This model is already run #${first.id}\\.`));
    }
    assert.equal((await other.call('runs:list', {})).length, 1, 'no duplicate run');
    // Its own export imported back where it was trained: that is run #runId already.
    await assert.rejects(b.call('runs:import', { file }), new RegExp(`This model is already run #${runId}\\.`));

    const folder = path.dirname(file);
    await assert.rejects(
      other.call('runs:import', { file: folder }),
      new RegExp(`${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a folder, not a model file`),
    );
  } finally {
    b.close();
    other.close();
  }
});

test('export refuses a folder that does not exist (nothing is created); a folder target suggests a .ptmodel name', { skip }, async () => {
  const b = testBackend();
  try {
    const runId = await trainedRun(b);
    const missing = path.join(tempDir(), 'nodir');
    await assert.rejects(
      b.call('runs:export', { id: runId, file: path.join(missing, 'model.ptmodel') }),
      new RegExp(`The folder ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist`),
    );
    assert.equal(fs.existsSync(missing), false, 'the folder was not created');
    const dir = tempDir();
    await assert.rejects(b.call('runs:export', { id: runId, file: dir }), /is a folder; give a file name such as .*model\.ptmodel\./);
  } finally {
    b.close();
  }
});

test('an imported model does not become the automatic default while a run trained here has one; the reason says when it does', { skip }, async () => {
  const b = testBackend();
  const source = testBackend();
  try {
    // Only an import: it is used, and the reason says it is an imported model.
    const file = path.join(tempDir(), 'model.ptmodel');
    await source.call('runs:export', { id: await trainedRun(source, 7), file });
    const onlyImport = await b.call('runs:import', { file });
    let choice = chooseRun(b.db);
    assert.equal(choice.run.id, onlyImport.id);
    assert.match(choice.reason, /imported/);

    // A run trained here, then a newer import: the trained one stays the default.
    const trained = await trainedRun(b);
    const file2 = path.join(tempDir(), 'model2.ptmodel');
    await source.call('runs:export', { id: await trainedRun(source, 9), file: file2 });
    const newer = await b.call('runs:import', { file: file2 });
    assert.ok(newer.id > trained);
    choice = chooseRun(b.db);
    assert.equal(choice.run.id, trained, 'the latest run trained here, not the newest import');
    assert.equal(choice.reason, 'latest finished run');
    assert.equal((await b.call('runs:default', {}))?.runId, trained);

    // Marking the import as default is the user's choice: it is used.
    setPreferredRun(b.db, newer.id);
    assert.equal(chooseRun(b.db).run.id, newer.id);
  } finally {
    b.close();
    source.close();
  }
});
