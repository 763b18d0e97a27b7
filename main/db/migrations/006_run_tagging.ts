import type { Migration } from './index';

/**
 * Per-run tagging settings (main/ml/run-tagging-repo.ts): how a finished run tags by default in the Tag
 * view, Try it, the CLI and exports. A run without a row tags with its model's balanced rule.
 *
 * mode: the decision-rule mode ('precise' | 'balanced' | 'broad'); max_tags: at most that many automatic
 * tags per poster (NULL: no limit); overrides: the thresholds the user saved in the Evaluation view, a JSON
 * array in the run's genre order, one number in [0, 1] or null (keep the model's) per genre, or NULL when
 * none is saved. preferred = 1 marks the run the user chose as the default model; the partial unique
 * index keeps that to at most one run. Settings go with the run (ON DELETE CASCADE).
 */
export const runTaggingMigration: Migration = {
  version: 6,
  name: 'run_tagging',
  up(db) {
    db.exec(`
      CREATE TABLE run_tagging (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        mode TEXT NOT NULL DEFAULT 'balanced' CHECK (mode IN ('precise', 'balanced', 'broad')),
        max_tags INTEGER CHECK (max_tags IS NULL OR max_tags >= 1),
        overrides TEXT CHECK (overrides IS NULL OR (json_valid(overrides) AND json_type(overrides) = 'array')),
        preferred INTEGER NOT NULL DEFAULT 0 CHECK (preferred IN (0, 1)),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX run_tagging_one_preferred ON run_tagging(preferred) WHERE preferred = 1;
    `);
  },
};
