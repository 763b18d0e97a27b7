import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openIndexed, testBackend } from '../../helpers/backend';
import { makeTutorialLibrary } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { ensureDataDir } from '../../../main/core/data-dir';
import { EventBus } from '../../../main/core/event-bus';
import { openDatabase } from '../../../main/db/database';
import { JobManager } from '../../../main/jobs/job-manager';
import { createMediaResolver } from '../../../main/library/media';
import { createLibraryService } from '../../../main/library/library-service';

/** The service on its own deps (no gate, no handlers), recording the events it emits. */
function serviceOnly() {
  const paths = ensureDataDir(path.join(tempDir(), 'data'));
  const db = openDatabase(paths.database);
  const bus = new EventBus();
  const jobs = new JobManager(bus);
  const media = createMediaResolver(db, paths.thumbnails);
  const events: { libraryId: number; reason: string }[] = [];
  bus.subscribe((name, payload) => {
    if (name === 'library:changed') events.push(payload as { libraryId: number; reason: string });
  });
  const close = async () => {
    await jobs.shutdown();
    db.close();
  };
  return { library: createLibraryService({ db, bus, jobs, paths, media }), jobs, paths, events, close };
}

test('service: open starts the index job; its rows, report and events follow; remove forgets the library', async (t) => {
  const s = serviceOnly();
  t.after(() => s.close());
  const root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 5, val: 2 });
  const { library, job } = s.library.open(root);
  assert.equal(job.kind, 'index');
  const done = await s.jobs.finished(job.id);
  assert.equal(done.status, 'done', done.error);
  assert.equal(s.library.query({ libraryId: library.id }).total, 7);
  assert.equal(s.library.list()[0].imageCount, 7);
  assert.equal(s.library.report(library.id)?.layout, 'tutorial');
  assert.ok(s.events.some((e) => e.libraryId === library.id && e.reason === 'indexed'));
  // Opening the same folder again is the same library, re-indexed (nothing changed, nothing read).
  const again = s.library.open(root);
  assert.equal(again.library.id, library.id);
  assert.equal((await s.jobs.finished(again.job.id)).status, 'done');
  s.library.remove(library.id);
  assert.deepEqual(s.library.list(), []);
  assert.deepEqual(s.events.at(-1), { libraryId: library.id, reason: 'removed' });
});

test('service: writeBack without confirm only plans; with confirm writes, keeps a backup and tells the gallery', async (t) => {
  const s = serviceOnly();
  t.after(() => s.close());
  const root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 4, val: 1 });
  const { library, job } = s.library.open(root);
  await s.jobs.finished(job.id);
  const csv = path.join(root, 'train', 'metadata.csv');
  const original = fs.readFileSync(csv, 'utf8');
  assert.equal((await s.library.writeBack(library.id)).message, 'Nothing to write: no labels were edited.');

  const first = s.library.query({ libraryId: library.id, split: 'train', limit: 1 }).items[0];
  s.library.setLabels(first.id, ['Horror']);
  assert.deepEqual(s.events.at(-1), { libraryId: library.id, reason: 'labels' });
  const plan = await s.library.writeBack(library.id);
  assert.equal(plan.written, false);
  assert.equal(plan.message, `Writing would replace ${csv} (a backup is kept in ${plan.backupDir}).`);
  assert.equal(fs.readFileSync(csv, 'utf8'), original);

  s.events.length = 0;
  const done = await s.library.writeBack(library.id, true);
  assert.equal(done.written, true);
  assert.equal(done.message, 'Saved 1 poster into train/metadata.csv.');
  assert.notEqual(fs.readFileSync(csv, 'utf8'), original);
  assert.deepEqual(s.events, [{ libraryId: library.id, reason: 'labels' }]);
  assert.equal(s.library.list()[0].pendingEdits, 0);
});

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
  assert.deepEqual(
    fs.readdirSync(path.join(root, 'train')).filter((f) => !f.endsWith('.jpg')),
    ['metadata.csv'],
  );
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
  assert.deepEqual(
    horror.ids,
    page.items.map((i) => i.id),
    'same order as the gallery',
  );

  const ids = all.ids.slice(0, 3);
  const before = await b.call('posters:labelStates', { ids });
  assert.ok(before.every((s) => s.labelsSource === 'import' && s.labels.every((l) => l.source === 'import')));
  for (const id of ids) await b.call('posters:setLabels', { id, genres: ['Drama'] });
  await b.call('posters:restoreLabels', { states: before });
  assert.deepEqual(await b.call('posters:labelStates', { ids }), before);
  assert.equal((await b.call('library:list', {}))[0].pendingEdits, 0, 'restored imports are not pending edits');
});
