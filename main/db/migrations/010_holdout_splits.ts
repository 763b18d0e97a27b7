import type { Migration } from './index';

/**
 * holdout_splits: the train/val side the app chose for a poster whose library has no split of its own
 * (a plain folder, genre folders, a CSV). Keyed by content hash, so the same poster in two libraries, or
 * a copy, is always on one side (validation never sees a training poster). Written once, when a run
 * first uses the poster, and never changed: a poster never moves from val to train between runs, so
 * runs stay comparable on the same held-out posters (main/training/stable-split.ts).
 */
export const holdoutSplitsMigration: Migration = {
  version: 10,
  name: 'holdout_splits',
  up(db) {
    db.exec(`
      CREATE TABLE holdout_splits (
        hash TEXT PRIMARY KEY,
        split TEXT NOT NULL CHECK (split IN ('train', 'val')),
        assigned_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      ) WITHOUT ROWID;
    `);
  },
};
