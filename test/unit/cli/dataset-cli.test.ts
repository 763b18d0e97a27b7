// `poster-tagger dataset export|import`, in-process through runCli with a temp --data-dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTutorialLibrary } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { cli } from './helpers';

test('dataset export (genre folders, links, Label Studio) and import (a plan, then --confirm)', async () => {
  const root = path.join(tempDir(), 'posters');
  const data = path.join(tempDir(), 'data');
  await makeTutorialLibrary(root, { train: 8, val: 4, seed: 9 });
  const out = tempDir();
  const run = (...argv: string[]) => cli([...argv, '--data-dir', data]);

  const folders = await run('dataset', 'export', root, path.join(out, 'tree'));
  assert.equal(folders.code, 0, folders.err);
  assert.match(folders.out, /Wrote \d+ copies of 12 posters into genre folders/);
  assert.ok(fs.existsSync(path.join(out, 'tree', 'labels.csv')));
  const again = await run('dataset', 'export', root, path.join(out, 'tree'));
  assert.equal(again.code, 2);
  assert.match(again.err, /not empty/);
  const links = await run('dataset', 'export', root, path.join(out, 'links'), '--link');
  assert.match(links.out, /links of 12 posters/);

  const file = path.join(out, 'tasks.json');
  const ls = await run('dataset', 'export', root, file, '--label-studio');
  assert.equal(ls.code, 0, ls.err);
  assert.match(ls.out, /Wrote 12 Label Studio tasks \(12 labelled\)/);
  assert.match(ls.out, /<Choices name="genre"/);
  const exists = await run('dataset', 'export', root, file, '--label-studio');
  assert.equal(exists.code, 2);
  assert.match(exists.err, /already exists; nothing was written \(add --force/);

  const tasks = JSON.parse(fs.readFileSync(file, 'utf8'));
  tasks[0].annotations[0].result = [
    { from_name: 'genre', to_name: 'image', type: 'choices', value: { choices: ['Action', 'Comedy', 'Drama', 'Horror', 'Romance'] } },
  ];
  fs.writeFileSync(file, JSON.stringify(tasks));
  const plan = await run('dataset', 'import', root, file);
  assert.equal(plan.code, 0, plan.err);
  assert.match(plan.out, /Would relabel 1 poster\(s\): 12 poster\(s\) matched.*Add --confirm/);
  const done = await run('dataset', 'import', root, file, '--confirm');
  assert.match(done.out, /^Relabelled 1 poster\(s\)/);
  assert.match((await run('dataset', 'import', root, file, '--confirm')).out, /^Nothing to change/);

  assert.match((await run('dataset', 'copy', root, file)).err, /export or import/);
  assert.match((await run('dataset', 'export', root, file, '--label-studio', '--link')).err, /--link is for genre folders/);
});
