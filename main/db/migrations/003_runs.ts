import type { Migration } from './index';

/**
 * Training runs and their per-epoch metrics (main/ml/runs-repo.ts). JSON columns hold what the ML code
 * produces (genres list, resolved training config, final validation metrics) so the schema does not
 * change with every new metric. library_id has no foreign key yet: a run's history outlives its library.
 * status 'interrupted': the app stopped while the run was running (set at the next start-up).
 */
export const runsMigration: Migration = {
  version: 3,
  name: 'runs',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
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
      CREATE INDEX runs_library ON runs(library_id, created_at);
      CREATE INDEX runs_status ON runs(status);

      CREATE TABLE run_epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL CHECK (epoch >= 1),
        train_loss REAL,
        train_micro_f1 REAL,
        train_macro_f1 REAL,
        train_map REAL,
        val_loss REAL,
        val_micro_f1 REAL,
        val_macro_f1 REAL,
        val_map REAL,
        PRIMARY KEY (run_id, epoch)
      ) WITHOUT ROWID;
    `);
  },
};
