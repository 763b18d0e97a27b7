// runs:export never replaces an existing file unasked: the answer names it and nothing is written;
// with overwrite the file is replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testBackend } from '../../helpers/backend';
import { tempDir } from '../../helpers/temp';
import { savedSyntheticRun } from '../../helpers/runs';

test('runs:export answers `exists` for an existing file and writes nothing; overwrite replaces it', async () => {
  const b = testBackend();
  try {
    const { run } = await savedSyntheticRun(b, 'run-export');

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
