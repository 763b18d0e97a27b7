// The SQL the indexer needs on a library's `images` and `labels` rows; the indexing algorithm is in indexer.ts.
import type { Db } from '../db/database';
import type { ImageFormat, Split } from './types';

/** A library's row as the previous index left it. */
export interface PrevRow {
  id: number;
  rel_path: string;
  size: number;
  mtime_ms: number;
  format: ImageFormat | null;
  error: string | null;
  hash: string | null;
  poster_id: string;
  split: Split | null;
  labels_source: 'import' | 'user' | null;
}

/** A file that was read, as it is stored (upserted by library and relative path). */
export interface ImageUpsert {
  library_id: number;
  rel_path: string;
  poster_id: string;
  split: Split | null;
  hash: string | null;
  format: ImageFormat | null;
  size: number;
  mtime_ms: number;
  width: number | null;
  height: number | null;
  thumb_status: 'pending' | 'ready' | 'failed';
  error: string | null;
  /** Perceptual hash of the thumbnail (phash.ts); null when the image could not be read. */
  phash: string | null;
  labels_source: 'import' | null;
}

/** What poster grouping (genre-folder layout) reads of each row. */
export interface GroupingRow {
  id: number;
  rel_path: string;
  poster_id: string;
  hash: string | null;
  labels_source: string | null;
  error: string | null;
  duplicate_of: number | null;
}

export type ImagesRepo = ReturnType<typeof createImagesRepo>;

/** Statements over one library's images, prepared once per index. */
export function createImagesRepo(db: Db, libraryId: number) {
  const s = {
    upsert:
      db.prepare(`INSERT INTO images (library_id, rel_path, poster_id, split, hash, format, size, mtime_ms, width, height, thumb_status, error, labels_source, phash)
      VALUES (@library_id, @rel_path, @poster_id, @split, @hash, @format, @size, @mtime_ms, @width, @height, @thumb_status, @error, @labels_source, @phash)
      ON CONFLICT (library_id, rel_path) DO UPDATE SET poster_id = excluded.poster_id, split = excluded.split, hash = excluded.hash,
        format = excluded.format, size = excluded.size, mtime_ms = excluded.mtime_ms, width = excluded.width, height = excluded.height,
        thumb_status = excluded.thumb_status, error = excluded.error, phash = excluded.phash,
        labels_source = CASE WHEN images.labels_source = 'user' THEN 'user' ELSE excluded.labels_source END
      RETURNING id, labels_source`),
    setIdentity: db.prepare('UPDATE images SET poster_id = ?, split = ? WHERE id = ?'),
    setSource: db.prepare('UPDATE images SET labels_source = ? WHERE id = ?'),
    clearLabels: db.prepare('DELETE FROM labels WHERE image_id = ?'),
    addLabel: db.prepare('INSERT OR IGNORE INTO labels (image_id, genre_id, source) VALUES (?, ?, ?)'),
    deleteImage: db.prepare('DELETE FROM images WHERE id = ?'),
    setDuplicateOf: db.prepare('UPDATE images SET duplicate_of = ? WHERE id = ?'),
  };
  const setLabels = (imageId: number, genreIds: readonly number[] | null, source: 'import' | 'user') => {
    s.clearLabels.run(imageId);
    for (const g of genreIds ?? []) s.addLabel.run(imageId, g, source);
    s.setSource.run(genreIds === null ? null : source, imageId);
  };
  return {
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    /** The library's rows in path order after `after` ('' for the first), at most `limit` of them. */
    previousRowsAfter: (after: string, limit: number) =>
      db
        .prepare(
          `SELECT id, rel_path, size, mtime_ms, format, error, hash, poster_id, split, labels_source
        FROM images WHERE library_id = ? AND rel_path > ? ORDER BY rel_path LIMIT ?`,
        )
        .all(libraryId, after, limit) as PrevRow[],
    /** These images' labels_source as stored now. */
    labelSources: (imageIds: readonly number[]): Map<number, 'import' | 'user' | null> =>
      new Map(
        imageIds.length === 0
          ? []
          : (
              db.prepare(`SELECT id, labels_source AS s FROM images WHERE id IN (${imageIds.map(() => '?').join(',')})`).all(...imageIds) as {
                id: number;
                s: 'import' | 'user' | null;
              }[]
            ).map((r) => [r.id, r.s]),
      ),
    /** These images' genre ids, ascending (an image without labels is absent). */
    labelsOf(imageIds: readonly number[]): Map<number, number[]> {
      const out = new Map<number, number[]>();
      if (imageIds.length === 0) return out;
      for (const r of db
        .prepare(`SELECT image_id AS i, genre_id AS g FROM labels WHERE image_id IN (${imageIds.map(() => '?').join(',')}) ORDER BY image_id, genre_id`)
        .all(...imageIds) as { i: number; g: number }[]) {
        const list = out.get(r.i);
        if (list) list.push(r.g);
        else out.set(r.i, [r.g]);
      }
      return out;
    },
    setIdentity: (id: number, posterId: string, split: Split | null) => s.setIdentity.run(posterId, split, id),
    upsert: (row: ImageUpsert) => s.upsert.get(row) as { id: number; labels_source: string | null },
    /** Replaces an image's labels with imported ones (null: unlabelled). */
    writeImportLabels: (imageId: number, genreIds: readonly number[] | null) => setLabels(imageId, genreIds, 'import'),
    writeUserLabels: (imageId: number, genreIds: readonly number[]) => setLabels(imageId, genreIds, 'user'),
    /** No labels and no source: a duplicate file, whose labels are its primary's. */
    unlabel: (imageId: number) => setLabels(imageId, null, 'import'),
    userLabelsOf: (imageId: number) =>
      db.prepare(`SELECT g.id, g.name FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = ? ORDER BY g.position`).all(imageId) as {
        id: number;
        name: string;
      }[],
    /** Another file with this content whose labels the user has not set (where a removed file's labels can go). */
    sameContentHeir: (hash: string, exceptId: number) =>
      db
        .prepare(
          `SELECT id, rel_path FROM images
          WHERE library_id = ? AND hash = ? AND id <> ? AND (labels_source IS NULL OR labels_source <> 'user') ORDER BY rel_path LIMIT 1`,
        )
        .get(libraryId, hash, exceptId) as { id: number; rel_path: string } | undefined,
    deleteImage: (id: number) => s.deleteImage.run(id),
    clearDuplicates: () => db.prepare('UPDATE images SET duplicate_of = NULL WHERE library_id = ? AND duplicate_of IS NOT NULL').run(libraryId),
    groupingRows: () =>
      db
        .prepare(`SELECT id, rel_path, poster_id, hash, labels_source, error, duplicate_of FROM images WHERE library_id = ? ORDER BY rel_path`)
        .all(libraryId) as GroupingRow[],
    setDuplicateOf: (id: number, primary: number | null) => s.setDuplicateOf.run(primary, id),
  };
}
