import type { Migration } from './index';

/**
 * Embedding cache and per-file embedding failures.
 * An embedding depends only on the file's bytes, the backbone and the view, so it is keyed by
 * (content hash, backbone id, view) and shared by every library and path holding the same poster.
 * view: 0 = original, 1 = horizontally flipped (training augmentation and test-time flip).
 * vector: `dim` float32 values, little-endian, as one BLOB.
 */
export const embeddingsMigration: Migration = {
  version: 2,
  name: 'embeddings',
  up(db) {
    db.exec(`
      CREATE TABLE embeddings (
        hash TEXT NOT NULL,
        backbone TEXT NOT NULL,
        view INTEGER NOT NULL CHECK (view IN (0, 1)),
        dim INTEGER NOT NULL CHECK (dim > 0),
        vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (hash, backbone, view)
      );

      -- Latest failure of a file for a backbone; cleared when the file embeds. hash is NULL when the
      -- file could not even be read.
      CREATE TABLE embedding_failures (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        hash TEXT,
        backbone TEXT NOT NULL,
        reason TEXT NOT NULL,
        failed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        UNIQUE (path, backbone)
      );
      CREATE INDEX embedding_failures_hash ON embedding_failures(hash) WHERE hash IS NOT NULL;
    `);
  },
};
