import type { Migration } from './index';

/**
 * Gallery queries that stay fast at 100,000 posters (main/library/gallery-queries.ts).
 *
 * Every gallery page is "the posters of a library matching the filters, in path order, from row N", plus
 * how many match. images_gallery holds, in path order, every column a filter reads (duplicate, split,
 * label state, error, poster id for search, content hash for prediction filters, genres), so SQLite finds
 * a page and counts the matches by walking this one index, never the table rows; the page's full rows are
 * read by id afterwards. About 130 bytes per poster.
 *
 * images.genre_mask: the poster's genres as bits (genres.bit), so a genre filter is a bit test inside that
 * walk instead of a lookup in `labels` per poster (100,000 lookups were most of a genre filter's time).
 * Triggers keep it equal to the poster's `labels` rows whoever writes them, so no code path can let the two
 * drift. A library's first 63 genres get a bit (SQLite integers are 64-bit signed); filters on later ones
 * fall back to `labels`. Bits are handed out in creation order and never change (positions do).
 *
 * prediction_scores_filter gains `tagged`: "predicted Horror" (tagged = 1) read every matching score row
 * from the table to check it (22,000 lookups for one genre of 100,000 posters, most of that filter's time);
 * now the index answers it alone, as it does confidence ranges.
 */
export const galleryIndexMigration: Migration = {
  version: 9,
  name: 'gallery_index',
  up(db) {
    db.exec(`
      ALTER TABLE genres ADD COLUMN bit INTEGER CHECK (bit IS NULL OR bit BETWEEN 0 AND 62);
      UPDATE genres SET bit = (SELECT COUNT(*) FROM genres g WHERE g.library_id = genres.library_id AND g.id < genres.id);
      UPDATE genres SET bit = NULL WHERE bit > 62;
      CREATE UNIQUE INDEX genres_bit ON genres(library_id, bit) WHERE bit IS NOT NULL;
      CREATE TRIGGER genres_assign_bit AFTER INSERT ON genres WHEN NEW.bit IS NULL BEGIN
        UPDATE genres SET bit = (SELECT CASE WHEN COALESCE(MAX(g.bit) + 1, 0) <= 62 THEN COALESCE(MAX(g.bit) + 1, 0) END
          FROM genres g WHERE g.library_id = NEW.library_id AND g.id <> NEW.id) WHERE id = NEW.id;
      END;

      ALTER TABLE images ADD COLUMN genre_mask INTEGER NOT NULL DEFAULT 0;
      UPDATE images SET genre_mask = (SELECT COALESCE(SUM(1 << g.bit), 0) FROM labels l JOIN genres g ON g.id = l.genre_id
        WHERE l.image_id = images.id AND g.bit IS NOT NULL);
      CREATE TRIGGER labels_mask_insert AFTER INSERT ON labels BEGIN
        UPDATE images SET genre_mask = genre_mask | COALESCE((SELECT 1 << bit FROM genres WHERE id = NEW.genre_id), 0) WHERE id = NEW.image_id;
      END;
      CREATE TRIGGER labels_mask_delete AFTER DELETE ON labels BEGIN
        UPDATE images SET genre_mask = genre_mask & ~COALESCE((SELECT 1 << bit FROM genres WHERE id = OLD.genre_id), 0) WHERE id = OLD.image_id;
      END;
      CREATE TRIGGER labels_mask_update AFTER UPDATE OF image_id, genre_id ON labels BEGIN
        UPDATE images SET genre_mask = genre_mask & ~COALESCE((SELECT 1 << bit FROM genres WHERE id = OLD.genre_id), 0) WHERE id = OLD.image_id;
        UPDATE images SET genre_mask = genre_mask | COALESCE((SELECT 1 << bit FROM genres WHERE id = NEW.genre_id), 0) WHERE id = NEW.image_id;
      END;

      CREATE INDEX images_gallery ON images(library_id, rel_path, duplicate_of, split, labels_source, error, genre_mask, poster_id, hash);

      DROP INDEX prediction_scores_filter;
      CREATE INDEX prediction_scores_filter ON prediction_scores(run_id, genre, probability, tagged);
    `);
  },
};
