import type { Migration } from './index';

/**
 * Near-duplicates and the similarity index:
 * - images.phash: a 64-bit DCT perceptual hash (16 hex digits) of the poster's thumbnail, computed when the
 *   file is indexed (main/library/phash.ts), so near-duplicates across train and val are known before any
 *   embedding exists.
 * - split_overrides: "keep on one side" — a poster (by content hash) the user moved from val to train for
 *   training, because a near-copy of it is in train. The user's metadata.csv and folders are never edited;
 *   training-data.ts reads this.
 * - similarity_version: one counter that triggers bump whenever an image row or a cached embedding is
 *   added, removed or changed, so the in-memory similarity index (main/loop/similarity-cache.ts) can tell
 *   with one read whether it is stale.
 */
export const nearDuplicatesMigration: Migration = {
  version: 12,
  name: 'near_duplicates',
  up(db) {
    db.exec(`
      ALTER TABLE images ADD COLUMN phash TEXT;

      CREATE TABLE split_overrides (
        hash TEXT PRIMARY KEY,
        split TEXT NOT NULL CHECK (split IN ('train')),
        reason TEXT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      ) WITHOUT ROWID;

      -- n: any change; dropped: embeddings deleted (the cache was cleared), which the index rebuilds for.
      CREATE TABLE similarity_version (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL, dropped INTEGER NOT NULL);
      INSERT INTO similarity_version (id, n, dropped) VALUES (1, 0, 0);
      CREATE TRIGGER similarity_images_insert AFTER INSERT ON images BEGIN UPDATE similarity_version SET n = n + 1; END;
      CREATE TRIGGER similarity_images_delete AFTER DELETE ON images BEGIN UPDATE similarity_version SET n = n + 1; END;
      CREATE TRIGGER similarity_images_update AFTER UPDATE OF hash, error, duplicate_of, library_id ON images
        WHEN OLD.hash IS NOT NEW.hash OR OLD.error IS NOT NEW.error OR OLD.duplicate_of IS NOT NEW.duplicate_of OR OLD.library_id IS NOT NEW.library_id
        BEGIN UPDATE similarity_version SET n = n + 1; END;
      CREATE TRIGGER similarity_embeddings_insert AFTER INSERT ON embeddings BEGIN UPDATE similarity_version SET n = n + 1; END;
      CREATE TRIGGER similarity_embeddings_delete AFTER DELETE ON embeddings BEGIN UPDATE similarity_version SET n = n + 1, dropped = dropped + 1; END;
      CREATE TRIGGER similarity_embeddings_update AFTER UPDATE ON embeddings BEGIN UPDATE similarity_version SET n = n + 1, dropped = dropped + 1; END;
    `);
  },
};
