import type { Db } from '../db/database';
import { InvalidError } from '../core/errors';

/**
 * Makes the library's genre table hold the layout's vocabulary in its order (positions 0..n-1). Genres not in
 * the layout (added by the user, or gone from the CSV but still on labels) are kept, after them.
 * Returns lower-cased name → genre id for every genre of the library.
 */
export function syncVocabulary(db: Db, libraryId: number, names: readonly string[]): Map<string, number> {
  return db.transaction(() => {
    const existing = db.prepare('SELECT id, name, position FROM genres WHERE library_id = ? ORDER BY position, id').all(libraryId) as {
      id: number;
      name: string;
      position: number;
    }[];
    const byLower = new Map(existing.map((g) => [g.name.toLowerCase(), g]));
    const setPos = db.prepare('UPDATE genres SET position = ? WHERE id = ?');
    const insert = db.prepare('INSERT INTO genres (library_id, name, position) VALUES (?, ?, ?)');
    const wanted = new Set<string>();
    let pos = 0;
    for (const name of names) {
      const key = name.toLowerCase();
      if (wanted.has(key)) continue;
      wanted.add(key);
      const g = byLower.get(key);
      if (g) {
        if (g.position !== pos) setPos.run(pos, g.id);
      } else {
        insert.run(libraryId, name, pos);
      }
      pos++;
    }
    for (const g of existing) {
      if (wanted.has(g.name.toLowerCase())) continue;
      if (g.position !== pos) setPos.run(pos, g.id);
      pos++;
    }
    const all = db.prepare('SELECT id, name FROM genres WHERE library_id = ?').all(libraryId) as { id: number; name: string }[];
    return new Map(all.map((g) => [g.name.toLowerCase(), g.id]));
  })();
}

/** Adds a genre to a library's vocabulary (e.g. to label a plain folder); returns its id. */
export function addGenre(db: Db, libraryId: number, name: string): number {
  const clean = name.trim();
  if (!clean) throw new InvalidError('A genre needs a name');
  if (clean.length > 100) throw new InvalidError('Genre name too long (100 characters at most)');
  const found = db.prepare('SELECT id FROM genres WHERE library_id = ? AND lower(name) = lower(?)').pluck().get(libraryId, clean) as number | undefined;
  if (found !== undefined) return found;
  const pos = db.prepare('SELECT COALESCE(MAX(position) + 1, 0) FROM genres WHERE library_id = ?').pluck().get(libraryId) as number;
  return Number(db.prepare('INSERT INTO genres (library_id, name, position) VALUES (?, ?, ?)').run(libraryId, clean, pos).lastInsertRowid);
}
