// runs:export never replaces an existing file unasked: the answer names it and nothing is written;
// with overwrite the file is replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testBackend } from '../../helpers/backend';
import { tempDir } from '../../helpers/temp';
import { syntheticTask } from '../ml/synthetic';
import { trainHead } from '../../../main/ml/train';
import { saveHead, headInfoFromTraining } from '../../../main/runs/model-io';
import { createRun, setRunStatus } from '../../../main/runs/runs-repo';
import { trainConfig } from '../../../main/ml/head';

test('runs:export answers `exists` for an existing file and writes nothing; overwrite replaces it', async () => {
  const b = testBackend();
  try {
    const task = syntheticTask({ train: 40, val: 10, seed: 3 });
    const trained = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ epochs: 1, seed: 1 }) });
    const modelDir = path.join(b.paths.models, 'run-export');
    await saveHead(
      modelDir,
      trained.model,
      headInfoFromTraining(trained, { id: 'mobilenet_v2', sha256: {}, inputSize: 224, preprocessing: { kind: 'scale', mean: 127.5, std: 127.5 } }),
    );
    trained.model.dispose();
    const run = createRun(b.db, { dataset: 'synthetic', backbone: 'mobilenet_v2', genres: task.genres, config: trainConfig({}), seed: 1 });
    setRunStatus(b.db, run.id, 'done', { modelPath: modelDir });

    const file = path.join(tempDir(), 'model.ptmodel');
    fs.writeFileSync(file, 'the user’s own file');
    const answer = await b.call('runs:export', { id: run.id, file });
    assert.deepEqual(answer, { file, bytes: 0, exists: file });
    assert.equal(fs.readFileSync(file, 'utf8'), 'the user’s own file', 'not touched without overwrite');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['model.ptmodel'], 'no temp file left next to it');

    const replaced = await b.call('runs:export', { id: run.id, file, overwrite: true });
    assert.equal(replaced.exists, undefined);
    assert.equal(replaced.bytes, fs.statSync(file).size);
    assert.notEqual(fs.readFileSync(file, 'utf8'), 'the user’s own file');

    const fresh = path.join(path.dirname(file), 'new.ptmodel');
    const written = await b.call('runs:export', { id: run.id, file: fresh });
    assert.equal(written.exists, undefined);
    assert.ok(written.bytes > 0 && fs.existsSync(fresh));
  } finally {
    b.close();
  }
});
