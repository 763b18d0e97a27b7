// The CLI accepts relative paths (a terminal has a working folder): it resolves them before calling the
// API, which refuses relative paths from the app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/temp';
import { cli } from './helpers';

async function inDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}

test('import, export and tag resolve relative paths against the working folder', async () => {
  const cwd = fs.realpathSync(tempDir());
  const data = path.join(tempDir(), 'data');
  await inDir(cwd, async () => {
    const imp = await cli(['import', 'models/missing.ptmodel', '--data-dir', data]);
    assert.equal(imp.code, 2, imp.err);
    assert.ok(imp.err.includes(`File not found: ${path.join(cwd, 'models', 'missing.ptmodel')}`), imp.err);
    assert.doesNotMatch(imp.err, /not a full path/);

    const exp = await cli(['export', '1', 'out.ptmodel', '--data-dir', data]);
    assert.notEqual(exp.code, 0);
    assert.match(exp.err, /There is no run #1/);
    assert.doesNotMatch(exp.err, /not a full path/);

    fs.mkdirSync('posters');
    const tag = await cli(['tag', 'default', 'posters', '--data-dir', data]);
    assert.notEqual(tag.code, 0);
    assert.doesNotMatch(tag.err, /not a full path/);
    assert.match(tag.err, /model/i, tag.err); // got past the path check to the missing model
  });
});
