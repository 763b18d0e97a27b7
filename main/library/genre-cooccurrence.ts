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

export type Cooccurrence = z.infer<typeof L.Cooccurrence>;

export function genreCooccurrence(db: Db, libraryId: number, split?: Split | 'none'): Cooccurrence {
  if (split !== undefined && split !== 'none' && !SPLITS.includes(split)) throw new InvalidError(`Unknown split "${split}"`);
  const genres = db.prepare('SELECT id, name FROM genres WHERE library_id = ? ORDER BY position, id').all(libraryId) as { id: number; name: string }[];
  const splitSql = split === undefined ? '' : split === 'none' ? ' AND i.split IS NULL' : ' AND i.split = @split';
  const params = { lib: libraryId, split };
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
  const counts = genres.map(() => new Array<number>(genres.length).fill(0));
  for (const p of pairs) {
    const a = index.get(p.a);
    const b = index.get(p.b);
    if (a !== undefined && b !== undefined) counts[a][b] = p.n;
  }
  return { genres: genres.map((g) => g.name), counts, posters };
}
