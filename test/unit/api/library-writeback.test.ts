import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openIndexed, testBackend } from '../../helpers/backend';
import { makeTutorialLibrary } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';

test('library:writeBack replaces no file without confirm: true; the plan names the full path, the write keeps a backup', async (t) => {
  const b = testBackend();
  t.after(() => b.close());
  const root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 6, val: 2 });
  const lib = await openIndexed(b, root);
  const csv = path.join(root, 'train', 'metadata.csv');
  const original = fs.readFileSync(csv, 'utf8');

  const empty = await b.call('library:writeBack', { id: lib.id });
  assert.equal(empty.written, false);
  assert.deepEqual(empty.targets, []);

  const first = (await b.call('posters:query', { libraryId: lib.id, split: 'train', limit: 1 })).items[0];
  await b.call('posters:setLabels', { id: first.id, genres: ['Horror', 'Romance'] });

  const plan = await b.call('library:writeBack', { id: lib.id });
  assert.equal(plan.written, false);
  assert.equal(plan.pending, 1);
  assert.deepEqual(plan.targets, [{ file: 'train/metadata.csv', absPath: csv, posters: 1 }]);
  assert.ok(plan.message.includes(csv), plan.message);
  assert.equal(fs.readFileSync(csv, 'utf8'), original, 'asking is not writing');
  assert.equal((await b.call('library:list', {}))[0].pendingEdits, 1);

  const done = await b.call('library:writeBack', { id: lib.id, confirm: true });
  assert.equal(done.written, true);
  assert.deepEqual(done.files, [{ file: 'train/metadata.csv', rowsChanged: 1 }]);
  assert.match(fs.readFileSync(csv, 'utf8'), new RegExp(`${first.posterId},"\\['Horror', 'Romance'\\]"`));
  // The previous file is kept, byte for byte, in the data folder (not in the user's folder).
  assert.ok(done.backupDir.startsWith(b.paths.root));
  const [snapshot] = fs.readdirSync(done.backupDir);
  assert.equal(fs.readFileSync(path.join(done.backupDir, snapshot, 'train', 'metadata.csv'), 'utf8'), original);
  assert.deepEqual(fs.readdirSync(path.join(root, 'train')).filter((f) => !f.endsWith('.jpg')), ['metadata.csv']);
});

test('posters:ids lists the whole filtered set (beyond one page), and restoreLabels undoes an accept-like edit exactly', async (t) => {
  const b = testBackend();
  t.after(() => b.close());
  const root = path.join(tempDir(), 'posters');
  const fixture = await makeTutorialLibrary(root, { train: 30, val: 10 });
  const lib = await openIndexed(b, root);
  const all = await b.call('posters:ids', { libraryId: lib.id });
  assert.equal(all.total, 40);
  assert.equal(all.ids.length, 40);
  const horror = await b.call('posters:ids', { libraryId: lib.id, genres: ['Horror'] });
  assert.equal(horror.total, [...fixture.train, ...fixture.val].filter((p) => p.genres.includes('Horror')).length);
  const page = await b.call('posters:query', { libraryId: lib.id, genres: ['Horror'], limit: 1000 });
  assert.deepEqual(horror.ids, page.items.map((i) => i.id), 'same order as the gallery');

  const ids = all.ids.slice(0, 3);
  const before = await b.call('posters:labelStates', { ids });
  assert.ok(before.every((s) => s.labelsSource === 'import' && s.labels.every((l) => l.source === 'import')));
  for (const id of ids) await b.call('posters:setLabels', { id, genres: ['Drama'] });
  await b.call('posters:restoreLabels', { states: before });
  assert.deepEqual(await b.call('posters:labelStates', { ids }), before);
  assert.equal((await b.call('library:list', {}))[0].pendingEdits, 0, 'restored imports are not pending edits');
});
