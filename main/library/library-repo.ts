import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { LayoutSetting as LayoutSettingSchema, type LibraryRow as LibraryRowSchema } from '../../contract/schemas/library';
import type { Db } from '../db/database';
import type { ImportReport } from './import-report';
import type { LayoutSetting } from './types';
import { InvalidError, NotFoundError } from '../core/errors';
import { cachedRead } from '../db/read-cache';

export type LibraryRow = z.infer<typeof LibraryRowSchema>;

const LAYOUTS: readonly LayoutSetting[] = LayoutSettingSchema.options;

const SELECT = `SELECT l.id, l.root, l.name, l.layout, l.created_at AS createdAt, l.indexed_at AS indexedAt FROM libraries l`;

type Counts = Pick<LibraryRow, 'imageCount' | 'labelledCount' | 'errorCount' | 'pendingEdits'>;

/**
 * A library's counts in one walk of images_gallery (four separate counts took 100 ms at 100,000 posters),
 * kept until the database changes: getLibrary runs before most library calls.
 */
function countsOf(db: Db, id: number): Counts {
  return cachedRead(
    db,
    `library-counts:${id}`,
    () =>
      db
        .prepare(
          `SELECT COUNT(*) FILTER (WHERE duplicate_of IS NULL) AS imageCount,
        COUNT(*) FILTER (WHERE duplicate_of IS NULL AND labels_source IS NOT NULL) AS labelledCount,
        COUNT(*) FILTER (WHERE error IS NOT NULL) AS errorCount,
        COUNT(*) FILTER (WHERE labels_source = 'user') AS pendingEdits
      FROM images INDEXED BY images_gallery WHERE library_id = ?`,
        )
        .get(id) as Counts,
  );
}

type BareRow = Omit<LibraryRow, keyof Counts>;

export function listLibraries(db: Db): LibraryRow[] {
  const rows = db.prepare(`${SELECT} ORDER BY l.name COLLATE NOCASE, l.id`).all() as BareRow[];
  return rows.map((r) => ({ ...r, ...countsOf(db, r.id) }));
}

export function getLibrary(db: Db, id: number): LibraryRow {
  const row = db.prepare(`${SELECT} WHERE l.id = ?`).get(id) as BareRow | undefined;
  if (!row) throw new NotFoundError(`No library with id ${id}`);
  return { ...row, ...countsOf(db, id) };
}

export function lastImportReport(db: Db, id: number): ImportReport | null {
  const json = db.prepare('SELECT last_import_report FROM libraries WHERE id = ?').pluck().get(id) as string | null | undefined;
  return json ? (JSON.parse(json) as ImportReport) : null;
}

/** The folder's canonical path, or a clear error if it is missing or not a folder. */
export function resolveLibraryRoot(folder: string): string {
  if (typeof folder !== 'string' || folder.trim() === '') throw new InvalidError('No folder given');
  if (folder.includes('\0')) throw new InvalidError('The folder path contains a NUL byte');
  const abs = path.resolve(folder);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`Folder not found: ${abs}`);
    throw new InvalidError(`Cannot open folder ${abs}: ${(err as Error).message}`);
  }
  if (!st.isDirectory()) throw new InvalidError(`Not a folder: ${abs}`);
  try {
    fs.accessSync(abs, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    throw new InvalidError(`No permission to read folder: ${abs}`);
  }
  return fs.realpathSync.native(abs);
}

/**
 * Opens a library by folder: returns the existing one for that folder (same real path), or adds it.
 * It still has to be indexed (indexLibrary) before its posters show.
 */
export function openLibrary(db: Db, folder: string, opts: { name?: string; layout?: LayoutSetting } = {}): LibraryRow {
  const root = resolveLibraryRoot(folder);
  const existing = db.prepare('SELECT id FROM libraries WHERE root = ?').pluck().get(root) as number | undefined;
  if (existing !== undefined) return getLibrary(db, existing);
  refuseOverlap(db, root);
  const layout = opts.layout ?? 'auto';
  if (!LAYOUTS.includes(layout)) throw new InvalidError(`Unknown layout "${layout}" (one of: ${LAYOUTS.join(', ')})`);
  const name = opts.name?.trim() || path.basename(root) || root;
  const id = db.prepare('INSERT INTO libraries (root, name, layout) VALUES (?, ?, ?)').run(root, name, layout).lastInsertRowid;
  return getLibrary(db, Number(id));
}

/**
 * Two libraries over the same files would each keep their own copy of the labels (an edit written from one is
 * never seen by the other), so a folder inside an open library, or one holding an open library, is refused.
 */
function refuseOverlap(db: Db, root: string): void {
  const rows = db.prepare('SELECT id, root, name FROM libraries ORDER BY id').all() as { id: number; root: string; name: string }[];
  const within = (inner: string, outer: string) => {
    const rel = path.relative(outer, inner);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  const parent = rows.find((r) => within(root, r.root));
  if (parent) {
    throw new InvalidError(`This folder is inside the library "${parent.name}" (${parent.root}), which is already open — open that one, or forget it first.`);
  }
  const child = rows.find((r) => within(r.root, root));
  if (child) {
    throw new InvalidError(`This folder contains the library "${child.name}" (${child.root}), which is already open — open that one, or forget it first.`);
  }
}

/** Marks a library indexed now, with the report of that index (what library:report answers). */
export function saveImportReport(db: Db, id: number, report: ImportReport): void {
  db.prepare(`UPDATE libraries SET indexed_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), last_import_report = ? WHERE id = ?`).run(JSON.stringify(report), id);
}

/** Forgets a library (its images, genres and labels go with it; the folder itself is not touched). */
export function removeLibrary(db: Db, id: number): void {
  db.prepare('DELETE FROM libraries WHERE id = ?').run(id);
}

/** Real paths of every opened library root (for the path guard). */
export function libraryRoots(db: Db): string[] {
  return db.prepare('SELECT root FROM libraries').pluck().all() as string[];
}
