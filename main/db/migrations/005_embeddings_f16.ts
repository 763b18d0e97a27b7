import type { Migration } from './index';

/**
 * The embedding cache stores float16 vectors too (BLOB of 2·dim bytes; float32 stays 4·dim), and the
 * bundled backbones' embeddings became multi-depth (cached under a new key, see embeddingCacheKey).
 * SQLite cannot change a CHECK constraint in place, so the table is rebuilt; the old single-depth
 * vectors of the bundled backbones are dropped (nothing reads them any more: models trained on them
 * use the last tap of the new vectors), the rest is copied as it is. They are embedded again, with
 * progress, the next time a run or a tagging job needs them.
 */
export const embeddingsF16Migration: Migration = {
  version: 5,
  name: 'embeddings_f16',
  up(db) {
    db.exec(`
      CREATE TABLE embeddings_new (
        hash TEXT NOT NULL,
        backbone TEXT NOT NULL,
        view INTEGER NOT NULL CHECK (view IN (0, 1)),
        dim INTEGER NOT NULL CHECK (dim > 0),
        vector BLOB NOT NULL CHECK (length(vector) IN (2 * dim, 4 * dim)),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (hash, backbone, view)
      );
      INSERT INTO embeddings_new (hash, backbone, view, dim, vector, created_at)
        SELECT hash, backbone, view, dim, vector, created_at FROM embeddings
        WHERE backbone NOT IN ('inception_v3', 'mobilenet_v2');
      DROP TABLE embeddings;
      ALTER TABLE embeddings_new RENAME TO embeddings;
    `);
  },
};
