import type { z } from 'zod';
import type { LabelState as LabelStateSchema } from '../../contract/schemas/library';
import type { Db } from '../db/database';
import { InvalidError, NotFoundError } from '../core/errors';

/** A poster's labels exactly as stored (each label's source and the poster's), so an edit can be undone. */
export type LabelState = z.infer<typeof LabelStateSchema>;

/** The poster labels belong to: a duplicate file's primary (as setPosterLabels and accepting do). */
function primaryId(db: Db, imageId: number): { id: number; libraryId: number } {
  const row = db.prepare('SELECT library_id AS lib, duplicate_of AS dup FROM images WHERE id = ?').get(imageId) as
    { lib: number; dup: number | null } | undefined;
  if (!row) throw new NotFoundError(`No poster with id ${imageId}`);
  return { id: row.dup ?? imageId, libraryId: row.lib };
}

/** The stored label state of each poster (of its primary, for a duplicate file), in the order asked. */
export function labelStates(db: Db, imageIds: readonly number[]): LabelState[] {
  const source = db.prepare('SELECT labels_source FROM images WHERE id = ?').pluck();
  const labels = db.prepare('SELECT g.name AS genre, l.source FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = ? ORDER BY g.position, g.id');
  return imageIds.map((requested) => {
    const { id } = primaryId(db, requested);
    return { id, labelsSource: source.get(id) as LabelState['labelsSource'], labels: labels.all(id) as LabelState['labels'] };
  });
}

/**
 * Puts posters' labels back exactly as a `labelStates` snapshot had them (labels, their sources and the
 * poster's), in one transaction: all or nothing. Returns the libraries touched.
 */
export function restoreLabelStates(db: Db, states: readonly LabelState[]): { restored: number; libraryIds: number[] } {
  const genreId = db.prepare('SELECT id FROM genres WHERE library_id = ? AND lower(name) = lower(?)').pluck();
  const clear = db.prepare('DELETE FROM labels WHERE image_id = ?');
  const add = db.prepare('INSERT INTO labels (image_id, genre_id, source) VALUES (?, ?, ?)');
  const mark = db.prepare('UPDATE images SET labels_source = ? WHERE id = ?');
  const libs = new Set<number>();
  db.transaction(() => {
    for (const s of states) {
      const { id, libraryId } = primaryId(db, s.id);
      clear.run(id);
      for (const l of s.labels) {
        const g = genreId.get(libraryId, l.genre) as number | undefined;
        if (g === undefined) throw new InvalidError(`Unknown genre "${l.genre}" in this library`);
        add.run(id, g, l.source);
      }
      mark.run(s.labelsSource, id);
      libs.add(libraryId);
    }
  })();
  return { restored: states.length, libraryIds: [...libs] };
}
