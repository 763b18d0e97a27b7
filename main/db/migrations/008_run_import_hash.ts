import type { Migration } from './index';

/**
 * runs.import_sha256: for a run made by importing a model file, the file's content checksum (the sha256
 * the export carries over its metadata, model and weights). Importing the same model again finds it and
 * names the run instead of adding a duplicate; NULL for runs trained here. The default-model rule uses it
 * too: an import does not silently become the automatic default while a run trained here has a model.
 * Runs imported before this column existed are recognised by their dataset text ("Imported from …").
 */
export const runImportHashMigration: Migration = {
  version: 8,
  name: 'run_import_hash',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN import_sha256 TEXT;
      CREATE INDEX runs_import_sha256 ON runs(import_sha256) WHERE import_sha256 IS NOT NULL;
    `);
  },
};
