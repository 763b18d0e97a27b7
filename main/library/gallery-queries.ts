import path from 'node:path';
import type { z } from 'zod';
import type * as L from '../../contract/schemas/library';
import type { Db } from '../db/database';
import type { Split } from './types';
import { SPLITS } from './types';
import { InvalidError, NotFoundError } from '../core/errors';
import { cachedRead } from '../db/read-cache';

export type PosterQuery = z.infer<typeof L.PosterQuery>;
export type PosterSummary = z.infer<typeof L.PosterSummary>;
export type PosterPage = z.infer<typeof L.PosterPage>;
export type GenreCount = z.infer<typeof L.GenreCount>;
export type PosterDetail = z.infer<typeof L.PosterDetail>;

interface GenreRef {
  id: number;
  /** Its bit in images.genre_mask (migration 009), or null past a library's 63rd genre. */
  bit: number | null;
}

function genresByName(db: Db, libraryId: number, names: readonly string[]): GenreRef[] {
  const rows = db.prepare('SELECT id, name, bit FROM genres WHERE library_id = ?').all(libraryId) as { id: number; name: string; bit: number | null }[];
  const byLower = new Map(rows.map((r) => [r.name.toLowerCase(), r]));
  return names.map((n) => {
    const g = byLower.get(n.trim().toLowerCase());
    if (g === undefined) throw new InvalidError(`Unknown genre "${n}" in this library (known: ${rows.map((r) => r.name).join(', ') || 'none'})`);
    return { id: g.id, bit: g.bit };
  });
}

function genreIdsByName(db: Db, libraryId: number, names: readonly string[]): number[] {
  return genresByName(db, libraryId, names).map((g) => g.id);
}

/** "Has any (or every) one of these genres" on `images i`: a bit test when they all have a bit, else via labels. */
function genreCondition(genres: GenreRef[], mode: 'any' | 'all' | undefined): string {
  const unique = [...new Map(genres.map((g) => [g.id, g])).values()];
  // Integers from our own tables: safe to inline. BigInt: a mask can need all 63 bits, more than a double holds.
  if (unique.every((g) => g.bit !== null)) {
    const mask = unique.reduce((m, g) => m | (1n << BigInt(g.bit!)), 0n).toString();
    return mode === 'all' ? `(i.genre_mask & ${mask}) = ${mask}` : `(i.genre_mask & ${mask}) <> 0`;
  }
  const list = unique.map((g) => g.id).join(',');
  return mode === 'all'
    ? `(SELECT COUNT(*) FROM labels l WHERE l.image_id = i.id AND l.genre_id IN (${list})) = ${unique.length}`
    : `EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id AND l.genre_id IN (${list}))`;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The FROM of a gallery statement: its filters (posterFilter) read only columns of images_gallery (migration
 * 009), which lists a library's posters in gallery order. Named, because with statistics (ANALYZE) SQLite
 * would rather read the whole table for a one-library database, or fetch a model's matches by hash and sort
 * them all; walking the index is never much worse and keeps a page of a 100,000-poster library cheap
 * (test/unit/library/gallery-query-plans.test.ts checks every plan).
 */
export const GALLERY_FROM = 'images i INDEXED BY images_gallery';

/** More conditions on `images i` from another module (e.g. prediction filters, main/tagging); named params only. */
export interface ExtraFilter {
  where: string[];
  params: Record<string, unknown>;
}

/**
 * The WHERE clause of the gallery filters on `images i`, for anything that lists or counts the posters the
 * gallery shows (its pages, "select all", charts of the filtered set). Every column it reads is in the
 * images_gallery index (migration 009), so a query over `images i` that needs nothing else is answered from
 * that index alone.
 */
export function posterFilter(db: Db, q: PosterQuery, extra?: ExtraFilter): { filter: string; params: Record<string, unknown> } {
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
  if (q.genres?.length) where.push(genreCondition(genresByName(db, q.libraryId, q.genres), q.genreMode));
  return { filter: where.join(' AND '), params };
}

/** How many posters match: kept until the database changes, since every page of a scroll asks again. */
function countPosters(db: Db, filter: string, params: Record<string, unknown>): number {
  const sql = `SELECT COUNT(*) FROM ${GALLERY_FROM} WHERE ${filter}`;
  return cachedRead(db, `count:${sql}:${JSON.stringify(params)}`, () => db.prepare(sql).pluck().get(params) as number);
}

/** Most ids "select all" returns (a bulk action takes at most 10,000 per call; the caller chunks). */
export const MAX_POSTER_IDS = 100_000;

/** Every poster id matching the filters, in gallery order (relative path), with the total. */
export function queryPosterIds(db: Db, q: Omit<PosterQuery, 'after' | 'offset' | 'limit'>, extra?: ExtraFilter): { ids: number[]; total: number } {
  const { filter, params } = posterFilter(db, q, extra);
  if (extra?.where.length) {
    const all = matchingIds(db, filter, params);
    return { ids: Array.from(all.subarray(0, MAX_POSTER_IDS)), total: all.length };
  }
  const ids = db.prepare(`SELECT i.id FROM ${GALLERY_FROM} WHERE ${filter} ORDER BY i.rel_path LIMIT ${MAX_POSTER_IDS}`).pluck().all(params) as number[];
  const total = ids.length < MAX_POSTER_IDS ? ids.length : countPosters(db, filter, params);
  return { ids, total };
}

/**
 * One page of a library's posters, filtered, ordered by relative path (stable and unique), with the total.
 * The page's ids come from the images_gallery index alone (a deep offset steps over index entries, not
 * table rows), then only those rows are read. With an `extra` filter (a model's predictions, which every
 * statement has to gather again: most of its cost) the whole ordered id list is kept until the database
 * changes instead, so scrolling on pays for none of it.
 */
export function queryPosters(db: Db, q: PosterQuery, extra?: ExtraFilter): PosterPage {
  const { filter, params } = posterFilter(db, q, extra);
  const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 100)), 1000);
  const offset = Math.max(0, Math.trunc(q.offset ?? 0));
  let total: number;
  let ids: number[];
  if (extra?.where.length) {
    const all = matchingIds(db, filter, params);
    total = all.length;
    const from = q.after === undefined ? offset : upperBound(db, all, q.after);
    ids = Array.from(all.subarray(from, from + limit + 1));
  } else {
    const after = q.after === undefined ? '' : ' AND i.rel_path > @after';
    ids = db
      .prepare(`SELECT i.id FROM ${GALLERY_FROM} WHERE ${filter}${after} ORDER BY i.rel_path LIMIT @limit OFFSET @offset`)
      .pluck()
      .all({ ...params, after: q.after, limit: limit + 1, offset: q.after === undefined ? offset : 0 }) as number[];
    // A first page that is not full already says how many match: no second walk (a search with few hits).
    total = q.after === undefined && offset === 0 && ids.length <= limit ? ids.length : countPosters(db, filter, params);
  }
  const more = ids.length > limit;
  const page = rowsById(db, ids.slice(0, limit));
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

/** Every matching id in gallery order, kept until the database changes. */
function matchingIds(db: Db, filter: string, params: Record<string, unknown>): Int32Array {
  const sql = `SELECT i.id FROM ${GALLERY_FROM} WHERE ${filter} ORDER BY i.rel_path`;
  return cachedRead(db, `ids:${sql}:${JSON.stringify(params)}`, () => Int32Array.from(db.prepare(sql).pluck().all(params) as number[]));
}

/** Index in `ids` (gallery order) of the first poster whose path sorts after `after`. */
function upperBound(db: Db, ids: Int32Array, after: string): number {
  // Compared by SQLite, whose order (bytes of UTF-8) the list is in; JavaScript's differs past U+FFFF.
  const sortsAfter = db.prepare('SELECT rel_path > ? FROM images WHERE id = ?').pluck();
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortsAfter.get(after, ids[mid]) === 1) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The gallery rows of these ids, in the order given. */
function rowsById(db: Db, ids: number[]): Omit<PosterSummary, 'genres'>[] {
  if (ids.length === 0) return [];
  const rows = db
    .prepare(
      `SELECT i.id, i.rel_path AS relPath, i.poster_id AS posterId, i.split, i.width, i.height, i.hash,
      i.thumb_status AS thumbStatus, i.error, i.labels_source AS labelsSource
    FROM images i WHERE i.id IN (${ids.map(() => '?').join(',')})`,
    )
    .all(...ids) as Omit<PosterSummary, 'genres'>[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r) => r !== undefined);
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

/** The library's genres in order, with how many posters carry each, per split (kept until the database changes). */
export function genreVocabulary(db: Db, libraryId: number): GenreCount[] {
  return cachedRead(db, `vocabulary:${libraryId}`, () => countGenres(db, libraryId));
}

function countGenres(db: Db, libraryId: number): GenreCount[] {
  const genres = db.prepare('SELECT id, name, position, bit FROM genres WHERE library_id = ? ORDER BY position, id').all(libraryId) as {
    id: number;
    name: string;
    position: number;
    bit: number | null;
  }[];
  const byGenre = new Map<number, GenreCount>();
  const result = genres.map(({ bit: _bit, ...g }) => {
    const c: GenreCount = { ...g, total: 0, bySplit: { train: 0, val: 0, test: 0, predict: 0, none: 0 } };
    byGenre.set(g.id, c);
    return c;
  });
  const add = (c: GenreCount | undefined, split: Split | null, n: number) => {
    if (!c) return;
    c.bySplit[split ?? 'none'] += n;
    c.total += n;
  };
  // One walk of images_gallery: posters grouped by split and genre set (a few thousand groups), then each
  // genre's bit. BigInt: a mask can use 63 bits.
  const withBit = genres.filter((g) => g.bit !== null);
  const groups = db
    .prepare(
      `SELECT i.split, i.genre_mask AS mask, COUNT(*) AS n FROM ${GALLERY_FROM}
    WHERE i.library_id = ? AND i.duplicate_of IS NULL AND i.genre_mask <> 0 GROUP BY i.split, i.genre_mask`,
    )
    .safeIntegers()
    .all(libraryId) as { split: Split | null; mask: bigint; n: bigint }[];
  for (const r of groups) for (const g of withBit) if ((r.mask >> BigInt(g.bit!)) & 1n) add(byGenre.get(g.id), r.split, Number(r.n));
  // Genres past the 63rd have no bit: counted from labels.
  const without = genres.filter((g) => g.bit === null).map((g) => g.id);
  if (without.length) {
    const counts = db
      .prepare(
        `SELECT l.genre_id AS g, i.split AS split, COUNT(*) AS n FROM labels l JOIN images i ON i.id = l.image_id
      WHERE l.genre_id IN (${without.join(',')}) AND i.library_id = ? AND i.duplicate_of IS NULL GROUP BY l.genre_id, i.split`,
      )
      .all(libraryId) as { g: number; split: Split | null; n: number }[];
    for (const r of counts) add(byGenre.get(r.g), r.split, r.n);
  }
  return result;
}

/** Posters per split, and how many of them are labelled. */
export function splitCounts(db: Db, libraryId: number): { split: Split | 'none'; posters: number; labelled: number }[] {
  return cachedRead(db, `splits:${libraryId}`, () => countSplits(db, libraryId));
}

function countSplits(db: Db, libraryId: number): { split: Split | 'none'; posters: number; labelled: number }[] {
  const rows = db
    .prepare(
      `SELECT i.split, COUNT(*) AS posters, SUM(i.labels_source IS NOT NULL) AS labelled FROM ${GALLERY_FROM}
    WHERE i.library_id = ? AND i.duplicate_of IS NULL GROUP BY i.split`,
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
