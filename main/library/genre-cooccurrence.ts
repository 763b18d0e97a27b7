/**
 * Which genres label the same posters: the library side panel's heatmap. Counted as the gallery's "all of
 * these genres" filter counts (primary posters only, in a split when one is given), so a cell's number is
 * what clicking it shows.
 */
import type { z } from 'zod';
import type * as L from '../../contract/schemas/library';
import type { Db } from '../db/database';
import { SPLITS, type Split } from './types';
import { InvalidError } from '../core/errors';
import { cachedRead } from '../db/read-cache';
import { GALLERY_FROM } from './gallery-queries';

export type Cooccurrence = z.infer<typeof L.Cooccurrence>;

export function genreCooccurrence(db: Db, libraryId: number, split?: Split | 'none'): Cooccurrence {
  if (split !== undefined && split !== 'none' && !SPLITS.includes(split)) throw new InvalidError(`Unknown split "${split}"`);
  return cachedRead(db, `cooccurrence:${libraryId}:${split ?? ''}`, () => count(db, libraryId, split));
}

function count(db: Db, libraryId: number, split?: Split | 'none'): Cooccurrence {
  const genres = db.prepare('SELECT id, name, bit FROM genres WHERE library_id = ? ORDER BY position, id').all(libraryId) as {
    id: number;
    name: string;
    bit: number | null;
  }[];
  const splitSql = split === undefined ? '' : split === 'none' ? ' AND i.split IS NULL' : ' AND i.split = @split';
  const params = { lib: libraryId, split };
  const counts = genres.map(() => new Array<number>(genres.length).fill(0));
  const names = genres.map((g) => g.name);
  if (genres.every((g) => g.bit !== null)) {
    // One walk of the gallery index: posters grouped by genre set (a few thousand groups at 100,000 posters,
    // where joining labels with itself took 0.4 s), then every pair of a group's genres.
    const groups = db
      .prepare(
        `SELECT i.genre_mask AS mask, COUNT(*) AS n FROM ${GALLERY_FROM}
        WHERE i.library_id = @lib AND i.duplicate_of IS NULL${splitSql} AND i.genre_mask <> 0 GROUP BY i.genre_mask`,
      )
      .safeIntegers()
      .all(params) as { mask: bigint; n: bigint }[];
    let posters = 0;
    for (const { mask, n } of groups) {
      const has = genres.flatMap((g, k) => ((mask >> BigInt(g.bit!)) & 1n ? [k] : []));
      for (const a of has) for (const b of has) counts[a][b] += Number(n);
      posters += Number(n);
    }
    return { genres: names, counts, posters };
  }
  // Past a library's 63rd genre there are no bits: from the labels.
  const pairs = db
    .prepare(
      `SELECT a.genre_id AS a, b.genre_id AS b, COUNT(*) AS n
      FROM labels a JOIN labels b ON b.image_id = a.image_id JOIN images i ON i.id = a.image_id
      WHERE i.library_id = @lib AND i.duplicate_of IS NULL${splitSql}
      GROUP BY a.genre_id, b.genre_id`,
    )
    .all(params) as { a: number; b: number; n: number }[];
  const posters = db
    .prepare(
      `SELECT COUNT(*) FROM images i WHERE i.library_id = @lib AND i.duplicate_of IS NULL${splitSql}
      AND EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id)`,
    )
    .pluck()
    .get(params) as number;
  const index = new Map(genres.map((g, k) => [g.id, k]));
  for (const p of pairs) {
    const a = index.get(p.a);
    const b = index.get(p.b);
    if (a !== undefined && b !== undefined) counts[a][b] = p.n;
  }
  return { genres: names, counts, posters };
}
