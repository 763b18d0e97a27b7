import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, openDatabase } from '../../../main/db/database';
import { migrations } from '../../../main/db/migrations';
import { tempFolder } from '../../helpers/temp';

const latest = Math.max(...migrations.map((m) => m.version));
const tables = (db: Database.Database) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];

test('a fresh database gets every migration, including the library tables', () => {
  const t = tempFolder();
  try {
    const db = openDatabase(path.join(t.dir, 'fresh.sqlite'));
    for (const name of ['libraries', 'images', 'genres', 'labels']) assert.ok(tables(db).includes(name), name);
    assert.equal(db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get(), latest);
    assert.deepEqual(migrate(db), [], 'running again applies nothing');
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('images', 'labels')").pluck().all();
    assert.ok(indexes.includes('images_library_split') && indexes.includes('labels_genre'));
    db.close();
  } finally {
    t.cleanup();
  }
});

test('upgrade: a database with data at the previous version keeps it and reaches the latest', () => {
  const t = tempFolder();
  try {
    const file = path.join(t.dir, 'old.sqlite');
    const older = migrations.filter((m) => m.version < latest);
    const includesLibrary = older.some((m) => m.name === 'library');
    let db = new Database(file);
    db.pragma('foreign_keys = ON');
    migrate(db, includesLibrary ? older : migrations.filter((m) => m.version <= 1));
    db.prepare("INSERT INTO libraries (id, root, name) VALUES (1, '/posters', 'Posters')").run();
    db.prepare("INSERT INTO images (id, library_id, rel_path, poster_id, size, mtime_ms) VALUES (10, 1, 'a.jpg', 'a', 5, 1)").run();
    db.prepare("INSERT INTO genres (id, library_id, name, position) VALUES (3, 1, 'Drama', 0)").run();
    db.prepare("INSERT INTO labels (image_id, genre_id, source) VALUES (10, 3, 'user')").run();
    db.close();

    db = openDatabase(file);
    assert.equal(db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get(), latest);
    assert.equal(db.prepare('SELECT COUNT(*) FROM labels').pluck().get(), 1);
    assert.equal(db.prepare('SELECT name FROM genres WHERE id = 3').pluck().get(), 'Drama');
    db.close();
  } finally {
    t.cleanup();
  }
});

test('constraints: unique path per library, cascade on delete, valid split only', () => {
  const t = tempFolder();
  try {
    const db = openDatabase(path.join(t.dir, 'c.sqlite'));
    db.prepare("INSERT INTO libraries (id, root, name) VALUES (1, '/a', 'A'), (2, '/b', 'B')").run();
    const add = db.prepare('INSERT INTO images (library_id, rel_path, poster_id, size, mtime_ms, split) VALUES (?, ?, ?, 1, 1, ?)');
    add.run(1, 'x.jpg', 'x', 'train');
    add.run(2, 'x.jpg', 'x', null); // same path in another library is fine
    assert.throws(() => add.run(1, 'x.jpg', 'x', null), /UNIQUE/);
    assert.throws(() => add.run(1, 'y.jpg', 'y', 'training'), /CHECK/);
    assert.throws(() => db.prepare("INSERT INTO libraries (root, name) VALUES ('/a', 'again')").run(), /UNIQUE/);
    db.prepare("INSERT INTO genres (id, library_id, name, position) VALUES (1, 1, 'Drama', 0)").run();
    db.prepare("INSERT INTO labels (image_id, genre_id, source) SELECT id, 1, 'import' FROM images WHERE library_id = 1").run();
    db.prepare('DELETE FROM libraries WHERE id = 1').run();
    assert.equal(db.prepare('SELECT COUNT(*) FROM images').pluck().get(), 1);
    assert.equal(db.prepare('SELECT COUNT(*) FROM labels').pluck().get(), 0);
    assert.equal(db.prepare('SELECT COUNT(*) FROM genres').pluck().get(), 0);
    db.close();
  } finally {
    t.cleanup();
  }
});
