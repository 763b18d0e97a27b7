// images.genre_mask (migration 009) is a copy of each poster's labels as bits, kept by triggers; genre filters
// read it instead of `labels`. It must equal the labels after every kind of write, for old databases too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Db } from '../../../main/db/database';
import { migrations } from '../../../main/db/migrations';
import { queryPosters, setPosterLabels } from '../../../main/library/gallery-queries';
import { labelStates, restoreLabelStates } from '../../../main/library/label-states';
import { openLibrary } from '../../../main/library/library-repo';
import { addGenre, syncVocabulary } from '../../../main/library/vocabulary';
import { seededRandom } from '../../../main/ml/random';
import { tempFolder } from '../../helpers/temp';

/** Posters whose mask is not the OR of their labelled genres' bits (empty when all is well). */
function drifted(db: Db): number[] {
  return db
    .prepare(
      `SELECT i.id FROM images i WHERE i.genre_mask IS NOT (SELECT COALESCE(SUM(1 << g.bit), 0) FROM labels l JOIN genres g ON g.id = l.genre_id
      WHERE l.image_id = i.id AND g.bit IS NOT NULL)`,
    )
    .pluck()
    .all() as number[];
}

function addImages(db: Db, libraryId: number, n: number): number[] {
  const ins = db.prepare("INSERT INTO images (library_id, rel_path, poster_id, size, mtime_ms, thumb_status) VALUES (?, ?, ?, 1, 1, 'ready')");
  return Array.from({ length: n }, (_, i) => Number(ins.run(libraryId, `p/${String(i).padStart(4, '0')}.jpg`, `p${i}`).lastInsertRowid));
}

function library(dir: string, db: Db): number {
  const root = path.join(dir, 'posters');
  fs.mkdirSync(root, { recursive: true });
  return openLibrary(db, root).id;
}

test('an older database gets masks equal to its labels, and bits in genre creation order', () => {
  const t = tempFolder();
  try {
    const file = path.join(t.dir, 'db.sqlite');
    const old = openDatabase(
      file,
      migrations.filter((m) => m.version < 9),
    );
    // Straight SQL: today's library code needs today's schema.
    const lib = Number(old.prepare("INSERT INTO libraries (root, name) VALUES ('/posters', 'old')").run().lastInsertRowid);
    const ids = syncVocabulary(old, lib, ['Action', 'Drama', 'Horror']);
    const images = addImages(old, lib, 30);
    const lab = old.prepare("INSERT INTO labels (image_id, genre_id, source) VALUES (?, ?, 'import')");
    images.forEach((id, i) => {
      if (i % 2 === 0) lab.run(id, ids.get('drama'));
      if (i % 3 === 0) lab.run(id, ids.get('horror'));
    });
    old.close();

    const db = openDatabase(file);
    assert.deepEqual(db.prepare('SELECT name, bit FROM genres ORDER BY id').all(), [
      { name: 'Action', bit: 0 },
      { name: 'Drama', bit: 1 },
      { name: 'Horror', bit: 2 },
    ]);
    assert.deepEqual(drifted(db), []);
    assert.equal(db.prepare('SELECT genre_mask FROM images WHERE id = ?').pluck().get(images[0]), 0b110);
    db.close();
  } finally {
    t.cleanup();
  }
});

test('edits, undo, deleted images and new genres keep masks equal to labels; filters agree with the labels', () => {
  const t = tempFolder();
  try {
    const db = openDatabase(path.join(t.dir, 'db.sqlite'));
    const lib = library(t.dir, db);
    const names = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance'];
    syncVocabulary(db, lib, names);
    const images = addImages(db, lib, 60);
    const rand = seededRandom(5);
    const pick = () => names.filter(() => rand() < 0.35);
    for (const id of images) setPosterLabels(db, id, pick());
    const before = labelStates(db, images.slice(0, 10));
    for (const id of images.slice(0, 10)) setPosterLabels(db, id, pick());
    restoreLabelStates(db, before);
    db.prepare('DELETE FROM labels WHERE image_id = ? AND genre_id = (SELECT id FROM genres WHERE name = ?)').run(images[11], 'Drama');
    db.prepare('DELETE FROM images WHERE id = ?').run(images[12]);
    addGenre(db, lib, 'Western');
    setPosterLabels(db, images[13], ['Western', 'Action']);
    assert.equal(db.prepare("SELECT bit FROM genres WHERE name = 'Western'").pluck().get(), 5);
    assert.deepEqual(drifted(db), []);

    const labelsOf = (id: number) =>
      new Set(db.prepare('SELECT g.name FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = ?').pluck().all(id) as string[]);
    const live = images.filter((id) => id !== images[12]);
    for (const [genres, mode] of [
      [['Drama'], 'any'],
      [['Horror', 'Western'], 'any'],
      [['Action', 'Comedy'], 'all'],
    ] as const) {
      const want = live.filter((id) => (mode === 'all' ? genres.every((g) => labelsOf(id).has(g)) : genres.some((g) => labelsOf(id).has(g))));
      const got = queryPosters(db, { libraryId: lib, genres: [...genres], genreMode: mode, limit: 1000 }).items.map((i) => i.id);
      assert.deepEqual(got.sort(), want.sort(), `${mode} of ${genres.join(', ')}`);
    }
    db.close();
  } finally {
    t.cleanup();
  }
});

test('past 63 genres a genre has no bit and its filter reads the labels', () => {
  const t = tempFolder();
  try {
    const db = openDatabase(path.join(t.dir, 'db.sqlite'));
    const lib = library(t.dir, db);
    const names = Array.from({ length: 66 }, (_, i) => `G${i}`);
    syncVocabulary(db, lib, names);
    assert.equal(db.prepare("SELECT bit FROM genres WHERE name = 'G62'").pluck().get(), 62);
    assert.equal(db.prepare("SELECT bit FROM genres WHERE name = 'G63'").pluck().get(), null);
    const [a, b, c] = addImages(db, lib, 3);
    setPosterLabels(db, a, ['G62', 'G64']);
    setPosterLabels(db, b, ['G64']);
    setPosterLabels(db, c, ['G0', 'G62']);
    assert.deepEqual(drifted(db), []);
    const ids = (genres: string[], genreMode: 'any' | 'all') => queryPosters(db, { libraryId: lib, genres, genreMode }).items.map((i) => i.id);
    assert.deepEqual(ids(['G64'], 'any'), [a, b]);
    assert.deepEqual(ids(['G62', 'G64'], 'all'), [a]);
    assert.deepEqual(ids(['G62'], 'any'), [a, c]);
    assert.deepEqual(ids(['G0', 'G62'], 'all'), [c]);
    db.close();
  } finally {
    t.cleanup();
  }
});
