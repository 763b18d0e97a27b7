// The CLI as a real child process: exit codes, and Ctrl+C (SIGINT) during training cancels the run cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { makeTutorialLibrary } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { createBackend } from '../../../main/backend';
import { exitOf, skipWithoutMobilenet as skip, spawnCli } from './helpers';

test('bad input exits non-zero with a one-line reason on stderr', async () => {
  const data = path.join(tempDir(), 'data');
  const child = spawnCli(['eval', '3', path.join(data, 'nowhere'), '--data-dir', data]);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const { code } = await exitOf(child);
  assert.equal(code, 2);
  assert.equal(err.trim().split('\n').length, 1, err);
  assert.match(err, /^poster-tagger eval: folder not found: /);
});

test('SIGINT during training: exit code 130, the job cancelled and the run marked cancelled', { skip }, async () => {
  const root = path.join(tempDir(), 'posters');
  const data = path.join(tempDir(), 'data');
  await makeTutorialLibrary(root, { train: 30, val: 10, seed: 5 });
  const child = spawnCli(['train', root, '--backbone', 'mobilenet_v2', '--head', 'mlp', '--epochs', '500', '--patience', '0', '--data-dir', data]);
  let err = '';
  let sentAt = 0;
  child.stderr!.on('data', (d) => {
    err += d;
    if (!sentAt && /epoch\s+1\/500/.test(err)) {
      sentAt = Date.now();
      child.kill('SIGINT');
    }
  });
  const { code } = await exitOf(child);
  assert.ok(sentAt, `training never reached an epoch: ${err}`);
  assert.equal(code, 130, err);
  assert.ok(Date.now() - sentAt < 5000, `took ${Date.now() - sentAt} ms to stop`);
  assert.match(err, /Run #1 cancelled/);

  const b = createBackend({ dataDir: data });
  try {
    const [run] = (await b.gate.invoke('runs:list', {})) as { id: number; status: string; hasModel: boolean }[];
    assert.equal(run.status, 'cancelled');
    assert.equal(run.hasModel, false);
  } finally {
    await b.close();
  }
});
