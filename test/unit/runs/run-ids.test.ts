// Run ids are never reused after a delete (migration 007: runs gets AUTOINCREMENT), and the rebuild of
// the runs table keeps every row that refers to a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, openDatabase } from '../../../main/db/database';
import { migrations } from '../../../main/db/migrations';
import { createRun, deleteRun, getRunEpochs, listRuns } from '../../../main/runs/runs-repo';

const newRun = () => ({ dataset: 'posters', backbone: 'mobilenet_v2', genres: ['Action', 'Drama'], config: { head: 'default' as const }, seed: 1 });

test('run ids: create 1..3, delete 3, create → 4 (never the deleted id again)', () => {
  const db = openDatabase(':memory:');
  try {
    assert.deepEqual(
      [1, 2, 3].map(() => createRun(db, newRun()).id),
      [1, 2, 3],
    );
    deleteRun(db, 3);
    assert.equal(createRun(db, newRun()).id, 4);
    deleteRun(db, 4);
    deleteRun(db, 2);
    assert.equal(createRun(db, newRun()).id, 5);
  } finally {
    db.close();
  }
});

test('migration 007 keeps runs and everything that refers to them, with foreign keys on again', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  try {
    migrate(
      db,
      migrations.filter((m) => m.version < 7),
    );
    db.exec(`
      INSERT INTO libraries (id, root, name) VALUES (1, '/posters', 'Posters');
      INSERT INTO images (id, library_id, rel_path, poster_id, size, mtime_ms) VALUES (10, 1, 'a.jpg', 'a', 5, 1);
    `);
    // Rows as the schema of version 6 has them (createRun writes columns of later versions).
    const insert = db.prepare(
      `INSERT INTO runs (dataset, backbone, genres, config, seed) VALUES ('posters', 'mobilenet_v2', '["Action","Drama"]', '{"head":"default"}', 1)`,
    );
    for (let i = 0; i < 3; i++) insert.run();
    db.exec(`
      INSERT INTO run_epochs (run_id, epoch, val_map) VALUES (1, 1, 0.2), (1, 2, 0.3), (3, 1, 0.4);
      INSERT INTO predictions (id, run_id, hash, genre_count, probabilities, tags) VALUES (7, 3, 'h', 1, x'0000803f', '["Action"]');
      INSERT INTO prediction_scores (prediction_id, run_id, genre, probability, tagged) VALUES (7, 3, 0, 1, 1);
      INSERT INTO prediction_rejections (image_id, genre, run_id) VALUES (10, 'Drama', 3);
      INSERT INTO run_tagging (run_id, mode, preferred) VALUES (3, 'precise', 1);
    `);
    const before = db.prepare('SELECT * FROM runs ORDER BY id').all();

    assert.deepEqual(
      migrate(
        db,
        migrations.filter((m) => m.version <= 7),
      ),
      [7],
    );
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are on again');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    assert.deepEqual(db.prepare('SELECT * FROM runs ORDER BY id').all(), before, 'every run, id and column as it was');
    assert.match(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'runs'").pluck().get() as string, /AUTOINCREMENT/);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'").pluck().all();
    assert.deepEqual([...indexes].sort(), ['runs_library', 'runs_status']);
    // Then the later ones (008 adds import_sha256): the rows stay, imports made before it are still recognised.
    assert.deepEqual(
      migrate(db),
      migrations.filter((m) => m.version > 7).map((m) => m.version),
    );
    assert.deepEqual(
      listRuns(db).map((r) => [r.id, r.importSha256, r.imported]),
      [
        [3, null, false],
        [2, null, false],
        [1, null, false],
      ],
    );
    assert.equal(getRunEpochs(db, 1).length, 2);
    assert.equal(db.prepare('SELECT COUNT(*) FROM predictions').pluck().get(), 1);
    assert.equal(db.prepare('SELECT COUNT(*) FROM prediction_scores').pluck().get(), 1);
    assert.equal(db.prepare('SELECT run_id FROM prediction_rejections').pluck().get(), 3);
    assert.equal(db.prepare('SELECT mode FROM run_tagging WHERE run_id = 3').pluck().get(), 'precise');
    for (const child of ['run_epochs', 'predictions', 'prediction_rejections', 'run_tagging']) {
      const refs = db.pragma(`foreign_key_list(${child})`) as { table: string }[];
      assert.ok(
        refs.some((r) => r.table === 'runs'),
        `${child} still refers to runs`,
      );
    }

    // The cascades still work on the new table, and a deleted id is not handed out again.
    deleteRun(db, 3);
    assert.equal(db.prepare('SELECT COUNT(*) FROM predictions').pluck().get(), 0);
    assert.equal(db.prepare('SELECT COUNT(*) FROM run_tagging').pluck().get(), 0);
    assert.equal(db.prepare('SELECT run_id FROM prediction_rejections').pluck().get(), null, 'ON DELETE SET NULL');
    assert.equal(createRun(db, newRun()).id, 4);
    assert.deepEqual(
      listRuns(db)
        .map((r) => r.id)
        .sort(),
      [1, 2, 4],
    );
  } finally {
    db.close();
  }
});
