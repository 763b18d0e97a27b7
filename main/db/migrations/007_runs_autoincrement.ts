import type { Migration } from './index';

/**
 * Run ids are never reused: with a plain INTEGER PRIMARY KEY SQLite hands out max(id) + 1, so after the
 * newest run was deleted the next run (or an imported model) got its number again, and anything that
 * still named "run #4" (a bookmark, a note, an exported tag file) silently meant another model.
 * AUTOINCREMENT keeps the highest id ever used in sqlite_sequence. SQLite cannot add it in place, so the
 * table is rebuilt with every row and id as it is; run_epochs, predictions, prediction_rejections and
 * run_tagging keep referring to runs(id) by name. `rebuildsTables` makes the migrator switch foreign keys
 * off around this one (a DROP TABLE with them on would cascade-delete every child row) and check them
 * before it commits.
 */
export const runsAutoincrementMigration: Migration = {
  version: 7,
  name: 'runs_autoincrement',
  rebuildsTables: true,
  up(db) {
    db.exec(`
      CREATE TABLE runs_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        started_at TEXT,
        finished_at TEXT,
        library_id INTEGER,
        dataset TEXT NOT NULL,
        backbone TEXT NOT NULL,
        genres TEXT NOT NULL CHECK (json_valid(genres)),
        config TEXT NOT NULL CHECK (json_valid(config)),
        seed INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
        error TEXT,
        metrics TEXT CHECK (metrics IS NULL OR json_valid(metrics)),
        model_path TEXT
      );
      INSERT INTO runs_new (id, created_at, started_at, finished_at, library_id, dataset, backbone, genres, config, seed, status, error, metrics, model_path)
        SELECT id, created_at, started_at, finished_at, library_id, dataset, backbone, genres, config, seed, status, error, metrics, model_path FROM runs;
      DROP TABLE runs;
      ALTER TABLE runs_new RENAME TO runs;
      CREATE INDEX runs_library ON runs(library_id, created_at);
      CREATE INDEX runs_status ON runs(status);
    `);
  },
};
