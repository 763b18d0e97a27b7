/**
 * Labels from a Label Studio JSON export (image classification, choices) onto a library's posters. Without
 * `confirm` nothing changes: the answer says how many posters it would relabel, so the user can agree
 * first. Posters are matched by the poster id our own export carries, else by the image's path or file
 * name; genres outside the library's vocabulary are named and left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/database';
import { InvalidError } from '../core/errors';
import { getLibrary } from './library-repo';
import { labelStates, restoreLabelStates } from './label-states';
import { parseLabelStudioExport } from './label-studio';

export interface LabelStudioImportResult {
  applied: boolean;
  /** Tasks matched to a poster of the library. */
  matched: number;
  /** Matched posters whose labels differ from the file's (relabelled on confirm). */
  changed: number;
  /** Tasks with an annotation but no poster here (first few names). */
  unmatched: string[];
  unmatchedCount: number;
  /** Tasks without an annotation (skipped). */
  unannotated: number;
  /** Choices that are not genres of this library (left out). */
  unknownGenres: string[];
  message: string;
}

/** key → poster: "id:<poster id>", the relative path, the file name (only when unique in the library). */
function posterKeys(db: Db, libraryId: number): Map<string, number> {
  const rows = db.prepare('SELECT id, rel_path AS relPath, poster_id AS posterId FROM images WHERE library_id = ? AND duplicate_of IS NULL').all(libraryId) as {
    id: number;
    relPath: string;
    posterId: string;
  }[];
  const keys = new Map<string, number | null>();
  const add = (k: string, id: number) => keys.set(k, keys.has(k) && keys.get(k) !== id ? null : id);
  for (const r of rows) {
    const rel = r.relPath.split(path.sep).join('/');
    add(`id:${r.posterId}`, r.id);
    add(rel, r.id);
    add(path.posix.basename(rel), r.id);
  }
  return new Map([...keys].filter((e): e is [string, number] => e[1] !== null));
}

function readExport(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(file), 'utf8');
  } catch (err) {
    throw new InvalidError(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? `File not found: ${path.resolve(file)}` : `Cannot read ${file}: ${(err as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidError(`${file} is not JSON (export the Label Studio project as "JSON").`);
  }
}

export function importLabelStudio(db: Db, libraryId: number, file: string, confirm = false): LabelStudioImportResult {
  getLibrary(db, libraryId);
  let parsed: ReturnType<typeof parseLabelStudioExport>;
  try {
    parsed = parseLabelStudioExport(readExport(file));
  } catch (err) {
    if (err instanceof InvalidError) throw err;
    throw new InvalidError(`${path.basename(file)}: ${(err as Error).message}`);
  }
  const vocabulary = new Map(
    (db.prepare('SELECT name FROM genres WHERE library_id = ? ORDER BY position, id').pluck().all(libraryId) as string[]).map((g) => [g.toLowerCase(), g]),
  );
  const keys = posterKeys(db, libraryId);
  const unknown = new Set<string>();
  const unmatched: string[] = [];
  const wanted = new Map<number, string[]>();
  for (const label of parsed.labels) {
    const id = label.keys.map((k) => keys.get(k)).find((v) => v !== undefined);
    if (id === undefined) {
      unmatched.push(label.name);
      continue;
    }
    const genres = label.genres.flatMap((g) => {
      const known = vocabulary.get(g.toLowerCase());
      if (!known) unknown.add(g);
      return known ? [known] : [];
    });
    wanted.set(id, [...new Set(genres)]);
  }
  const current = labelStates(db, [...wanted.keys()]);
  const changes = current.filter((s) => {
    const want = wanted.get(s.id)!;
    const have = s.labels.map((l) => l.genre);
    return s.labelsSource === null || have.length !== want.length || want.some((g) => !have.includes(g));
  });
  if (confirm && changes.length)
    restoreLabelStates(
      db,
      changes.map((s) => ({ id: s.id, labelsSource: 'user', labels: wanted.get(s.id)!.map((genre) => ({ genre, source: 'user' })) })),
    );
  const what = `${wanted.size} poster(s) matched, ${changes.length} with different labels`;
  const notes = [
    unmatched.length ? `${unmatched.length} task(s) match no poster here` : '',
    unknown.size ? `not genres of this library: ${[...unknown].join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return {
    applied: confirm && changes.length > 0,
    matched: wanted.size,
    changed: changes.length,
    unmatched: unmatched.slice(0, 20),
    unmatchedCount: unmatched.length,
    unannotated: parsed.unannotated,
    unknownGenres: [...unknown],
    message: `${!changes.length ? 'Nothing to change' : confirm ? `Relabelled ${changes.length} poster(s)` : `Would relabel ${changes.length} poster(s)`}: ${what}${notes ? ` (${notes})` : ''}.`,
  };
}
