import path from 'node:path';
import type { z } from 'zod';
import type * as L from '../../contract/schemas/library';
import type { Db } from '../db/database';
import type { Split } from './types';
import { SPLITS } from './types';
import { InvalidError, NotFoundError } from '../core/errors';

export type PosterQuery = z.infer<typeof L.PosterQuery>;
export type PosterSummary = z.infer<typeof L.PosterSummary>;
export type PosterPage = z.infer<typeof L.PosterPage>;
export type GenreCount = z.infer<typeof L.GenreCount>;
export type PosterDetail = z.infer<typeof L.PosterDetail>;

function genreIdsByName(db: Db, libraryId: number, names: readonly string[]): number[] {
  const rows = db.prepare('SELECT id, name FROM genres WHERE library_id = ?').all(libraryId) as { id: number; name: string }[];
  const byLower = new Map(rows.map((r) => [r.name.toLowerCase(), r.id]));
  return names.map((n) => {
    const id = byLower.get(n.trim().toLowerCase());
    if (id === undefined) throw new InvalidError(`Unknown genre "${n}" in this library (known: ${rows.map((r) => r.name).join(', ') || 'none'})`);
    return id;
  });
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** More conditions on `images i` from another module (e.g. prediction filters, main/tagging); named params only. */
export interface ExtraFilter {
  where: string[];
  params: Record<string, unknown>;
}

/** The WHERE clause of the gallery filters on `images i`. */
function posterFilter(db: Db, q: PosterQuery, extra?: ExtraFilter): { filter: string; params: Record<string, unknown> } {
  const where = ['i.library_id = @lib', 'i.duplicate_of IS NULL', ...(extra?.where ?? [])];
  const params: Record<string, unknown> = { ...extra?.params, lib: q.libraryId };
  if (q.split === 'none') where.push('i.split IS NULL');
  else if (q.split !== undefined) {
    if (!SPLITS.includes(q.split)) throw new InvalidError(`Unknown split "${q.split}"`);
    where.push('i.split = @split');
    params.split = q.split;
  }
  if (q.labelled !== undefined) where.push(q.labelled ? 'i.labels_source IS NOT NULL' : 'i.labels_source IS NULL');
  if (q.broken !== undefined) where.push(q.broken ? 'i.error IS NOT NULL' : 'i.error IS NULL');
  if (q.search?.trim()) {
    where.push("(i.poster_id LIKE @search ESCAPE '\\' OR i.rel_path LIKE @search ESCAPE '\\')");
    params.search = `%${escapeLike(q.search.trim())}%`;
  }
  if (q.genres?.length) {
    const ids = [...new Set(genreIdsByName(db, q.libraryId, q.genres))];
    const list = ids.join(','); // integers from our own table: safe to inline
    where.push(
      q.genreMode === 'all'
        ? `(SELECT COUNT(*) FROM labels l WHERE l.image_id = i.id AND l.genre_id IN (${list})) = ${ids.length}`
        : `EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id AND l.genre_id IN (${list}))`,
    );
  }
  return { filter: where.join(' AND '), params };
}

/** Most ids "select all" returns (a bulk action takes at most 10,000 per call; the caller chunks). */
export const MAX_POSTER_IDS = 100_000;

/** Every poster id matching the filters, in gallery order (relative path), with the total. */
export function queryPosterIds(db: Db, q: Omit<PosterQuery, 'after' | 'offset' | 'limit'>, extra?: ExtraFilter): { ids: number[]; total: number } {
  const { filter, params } = posterFilter(db, q, extra);
  const ids = db.prepare(`SELECT i.id FROM images i WHERE ${filter} ORDER BY i.rel_path LIMIT ${MAX_POSTER_IDS}`).pluck().all(params) as number[];
  const total = ids.length < MAX_POSTER_IDS ? ids.length : (db.prepare(`SELECT COUNT(*) FROM images i WHERE ${filter}`).pluck().get(params) as number);
  return { ids, total };
}

/** One page of a library's posters, filtered, ordered by relative path (stable and unique), with the total. */
export function queryPosters(db: Db, q: PosterQuery, extra?: ExtraFilter): PosterPage {
  const { filter, params } = posterFilter(db, q, extra);
  const total = db.prepare(`SELECT COUNT(*) FROM images i WHERE ${filter}`).pluck().get(params) as number;

  const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 100)), 1000);
  let pageFilter = filter;
  let offset = 0;
  if (q.after !== undefined) {
    pageFilter += ' AND i.rel_path > @after';
    params.after = q.after;
  } else offset = Math.max(0, Math.trunc(q.offset ?? 0));
  const rows = db
    .prepare(
      `SELECT i.id, i.rel_path AS relPath, i.poster_id AS posterId, i.split, i.width, i.height, i.hash,
      i.thumb_status AS thumbStatus, i.error, i.labels_source AS labelsSource
    FROM images i WHERE ${pageFilter} ORDER BY i.rel_path LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: limit + 1, offset }) as Omit<PosterSummary, 'genres'>[];
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const genres = genresOf(
    db,
    page.map((r) => r.id),
  );
  return {
    total,
    items: page.map((r) => ({ ...r, genres: genres.get(r.id) ?? [] })),
    nextCursor: more ? page[page.length - 1].relPath : null,
  };
}

function genresOf(db: Db, ids: number[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (ids.length === 0) return out;
  const rows = db
    .prepare(
      `SELECT l.image_id AS id, g.name FROM labels l JOIN genres g ON g.id = l.genre_id
    WHERE l.image_id IN (${ids.map(() => '?').join(',')}) ORDER BY g.position`,
    )
    .all(...ids) as { id: number; name: string }[];
  for (const r of rows) {
    const list = out.get(r.id);
    if (list) list.push(r.name);
    else out.set(r.id, [r.name]);
  }
  return out;
}

/** The library's genres in order, with how many posters carry each, per split. */
export function genreVocabulary(db: Db, libraryId: number): GenreCount[] {
  const genres = db.prepare('SELECT id, name, position FROM genres WHERE library_id = ? ORDER BY position, id').all(libraryId) as {
    id: number;
    name: string;
    position: number;
  }[];
  const counts = db
    .prepare(
      `SELECT l.genre_id AS g, i.split AS split, COUNT(*) AS n FROM labels l JOIN images i ON i.id = l.image_id
    WHERE i.library_id = ? AND i.duplicate_of IS NULL GROUP BY l.genre_id, i.split`,
    )
    .all(libraryId) as { g: number; split: Split | null; n: number }[];
  const byGenre = new Map<number, GenreCount>();
  const result = genres.map((g) => {
    const c: GenreCount = { ...g, total: 0, bySplit: { train: 0, val: 0, test: 0, predict: 0, none: 0 } };
    byGenre.set(g.id, c);
    return c;
  });
  for (const r of counts) {
    const c = byGenre.get(r.g);
    if (!c) continue;
    c.bySplit[r.split ?? 'none'] += r.n;
    c.total += r.n;
  }
  return result;
}

/** Posters per split, and how many of them are labelled. */
export function splitCounts(db: Db, libraryId: number): { split: Split | 'none'; posters: number; labelled: number }[] {
  const rows = db
    .prepare(
      `SELECT split, COUNT(*) AS posters, SUM(labels_source IS NOT NULL) AS labelled FROM images
    WHERE library_id = ? AND duplicate_of IS NULL GROUP BY split`,
    )
    .all(libraryId) as { split: Split | null; posters: number; labelled: number }[];
  const order: (Split | 'none')[] = [...SPLITS, 'none'];
  return rows
    .map((r) => ({ split: r.split ?? ('none' as const), posters: r.posters, labelled: r.labelled }))
    .sort((a, b) => order.indexOf(a.split) - order.indexOf(b.split));
}

export function posterDetail(db: Db, imageId: number): PosterDetail {
  const r = db
    .prepare(
      `SELECT i.id, i.library_id AS libraryId, i.rel_path AS relPath, i.poster_id AS posterId, i.split, i.width, i.height,
      i.hash, i.thumb_status AS thumbStatus, i.error, i.labels_source AS labelsSource, i.size, i.mtime_ms AS mtimeMs, i.format,
      l.root
    FROM images i JOIN libraries l ON l.id = i.library_id WHERE i.id = ?`,
    )
    .get(imageId) as (Omit<PosterDetail, 'genres' | 'labels' | 'duplicates' | 'absPath'> & { root: string }) | undefined;
  if (!r) throw new NotFoundError(`No poster with id ${imageId}`);
  const labels = db
    .prepare(`SELECT g.name AS genre, l.source FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = ? ORDER BY g.position`)
    .all(imageId) as PosterDetail['labels'];
  const duplicates = db.prepare('SELECT rel_path FROM images WHERE duplicate_of = ? ORDER BY rel_path').pluck().all(imageId) as string[];
  const { root, ...rest } = r;
  return { ...rest, absPath: path.join(root, ...r.relPath.split('/')), genres: labels.map((l) => l.genre), labels, duplicates };
}

/**
 * Replaces a poster's labels with the user's choice (source 'user'); a later re-index keeps them. Setting a
 * duplicate file's labels sets its primary's. Committed at once.
 */
export function setPosterLabels(db: Db, imageId: number, genres: readonly string[]): PosterDetail {
  const row = db.prepare('SELECT library_id AS lib, duplicate_of AS dup FROM images WHERE id = ?').get(imageId) as
    { lib: number; dup: number | null } | undefined;
  if (!row) throw new NotFoundError(`No poster with id ${imageId}`);
  const target = row.dup ?? imageId;
  const ids = [...new Set(genreIdsByName(db, row.lib, genres))];
  db.transaction(() => {
    db.prepare('DELETE FROM labels WHERE image_id = ?').run(target);
    const add = db.prepare("INSERT INTO labels (image_id, genre_id, source) VALUES (?, ?, 'user')");
    for (const g of ids) add.run(target, g);
    db.prepare("UPDATE images SET labels_source = 'user' WHERE id = ?").run(target);
  })();
  return posterDetail(db, target);
}
