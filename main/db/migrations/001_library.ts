import type { Migration } from './index';

/**
 * Poster libraries: one row per opened folder, one per image file, the genre vocabulary of each library and
 * the labels. Content hash is sha256 (main/core/content-hash.ts) because thumbnails, embeddings and
 * predictions are all keyed by it; at poster sizes it costs well under a millisecond next to decoding.
 */
export const libraryMigration: Migration = {
  version: 1,
  name: 'library',
  up(db) {
    db.exec(`
      CREATE TABLE libraries (
        id INTEGER PRIMARY KEY,
        root TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        layout TEXT NOT NULL DEFAULT 'auto'
          CHECK (layout IN ('auto', 'tutorial', 'genre-folders', 'csv', 'plain')),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        indexed_at TEXT,
        last_import_report TEXT
      );

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        library_id INTEGER NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
        rel_path TEXT NOT NULL,
        poster_id TEXT NOT NULL,
        split TEXT CHECK (split IN ('train', 'val', 'test', 'predict')),
        hash TEXT,
        format TEXT,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        thumb_status TEXT NOT NULL DEFAULT 'pending' CHECK (thumb_status IN ('pending', 'ready', 'failed')),
        error TEXT,
        -- NULL: unlabelled; 'import': labels from the layout; 'user': edited in the app (re-index keeps them).
        labels_source TEXT CHECK (labels_source IN ('import', 'user')),
        -- Another file of the same poster (genre-folder layout): hidden from the gallery, labels on the primary.
        duplicate_of INTEGER REFERENCES images(id) ON DELETE SET NULL,
        UNIQUE (library_id, rel_path)
      );
      CREATE INDEX images_library_split ON images(library_id, split, rel_path);
      CREATE INDEX images_library_poster ON images(library_id, poster_id);
      CREATE INDEX images_hash ON images(hash);
      CREATE INDEX images_duplicate_of ON images(duplicate_of) WHERE duplicate_of IS NOT NULL;

      CREATE TABLE genres (
        id INTEGER PRIMARY KEY,
        library_id INTEGER NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        UNIQUE (library_id, name)
      );

      CREATE TABLE labels (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        genre_id INTEGER NOT NULL REFERENCES genres(id) ON DELETE CASCADE,
        source TEXT NOT NULL CHECK (source IN ('import', 'user')),
        PRIMARY KEY (image_id, genre_id)
      ) WITHOUT ROWID;
      -- Genre filters look up images by genre.
      CREATE INDEX labels_genre ON labels(genre_id, image_id);
    `);
  },
};
