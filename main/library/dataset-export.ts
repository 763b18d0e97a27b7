/**
 * The labels the app holds (imported, edited and accepted predictions) for other trainers: a class-folder
 * tree (one folder per genre with copies of or links to the posters, and labels.csv beside it for
 * multi-label trainers) or a Label Studio import JSON. Neither replaces a file: the tree goes into a new
 * or empty folder, the JSON over an existing file only when confirmed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../db/database';
import { InvalidError } from '../core/errors';
import { writeErrorReason } from '../core/write-error';
import { writeFileAtomic } from '../tagging/atomic-file';
import { getLibrary } from './library-repo';
import { labelConfig, labelStudioTasks, type LsPoster } from './label-studio';

export interface DatasetPoster extends LsPoster {
  absPath: string;
}

/** The library's posters (duplicates aside) with their labels, labelled first ones only unless asked. */
export function datasetPosters(db: Db, libraryId: number, opts: { unlabelled?: boolean } = {}): { posters: DatasetPoster[]; genres: string[] } {
  const lib = getLibrary(db, libraryId);
  const genres = db.prepare('SELECT name FROM genres WHERE library_id = ? ORDER BY position, id').pluck().all(libraryId) as string[];
  const rows = db
    .prepare(
      `SELECT id, rel_path AS relPath, poster_id AS posterId, split, labels_source AS source FROM images
       WHERE library_id = ? AND duplicate_of IS NULL AND error IS NULL ${opts.unlabelled ? '' : 'AND labels_source IS NOT NULL'}
       ORDER BY split, rel_path`,
    )
    .all(libraryId) as { id: number; relPath: string; posterId: string; split: string | null; source: string | null }[];
  const labels = db.prepare('SELECT g.name FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = ? ORDER BY g.position, g.id').pluck();
  const posters = rows.map((r) => ({
    relPath: r.relPath.split(path.sep).join('/'),
    posterId: r.posterId,
    split: r.split,
    genres: r.source ? (labels.all(r.id) as string[]) : null,
    absPath: path.join(lib.root, r.relPath),
  }));
  return { posters, genres };
}

/** A genre as a folder name: path separators and names a file system refuses replaced. */
export function folderName(genre: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a folder name must not hold
  const safe = genre.replace(/[/\\:*?"<>|\x00-\x1f]/g, '_').trim();
  return safe === '' || safe === '.' || safe === '..' ? `_${safe}_` : safe;
}

export interface ClassFoldersResult {
  folder: string;
  posters: number;
  files: number;
  csv: string;
  mode: 'copy' | 'symlink';
}

/** The target of a tree: a new folder (its parent exists) or an empty one. */
function emptyTarget(folder: string): string {
  const target = path.resolve(folder);
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new InvalidError(`${target} is a file; choose a new or empty folder.`);
  if (stat && fs.readdirSync(target).length > 0) throw new InvalidError(`${target} is not empty; choose a new or empty folder (nothing was written).`);
  if (!stat && !fs.statSync(path.dirname(target), { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidError(`The folder ${path.dirname(target)} does not exist.`);
  return target;
}

/**
 * `<folder>/[<split>/]<genre>/<poster id><ext>` for every label (a poster with three genres is in three
 * folders; copies, or symbolic links to the originals), and `<folder>/labels.csv`: one row per poster
 * with its genres, for trainers that take multi-label lists.
 */
export async function exportClassFolders(db: Db, libraryId: number, folder: string, mode: 'copy' | 'symlink' = 'copy'): Promise<ClassFoldersResult> {
  const target = emptyTarget(folder);
  const { posters, genres } = datasetPosters(db, libraryId);
  if (posters.length === 0) throw new InvalidError('This library has no labelled posters to export.');
  // Built in a hidden sibling and renamed into place: a failure (full disk, unreadable poster) leaves no half tree.
  const work = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  try {
    await fs.promises.rm(work, { recursive: true, force: true });
    await fs.promises.mkdir(work);
    const { files } = await writeTree(work, posters, genres, mode);
    if (fs.existsSync(target)) await fs.promises.rmdir(target); // empty (checked); fails if something arrived since
    await fs.promises.rename(work, target);
    return { folder: target, posters: posters.length, files, csv: path.join(target, 'labels.csv'), mode };
  } catch (err) {
    await fs.promises.rm(work, { recursive: true, force: true });
    throw err instanceof InvalidError ? err : new InvalidError(`Cannot write the dataset to ${target}: ${writeErrorReason(err)} (nothing was kept).`);
  }
}

async function writeTree(target: string, posters: readonly DatasetPoster[], genres: readonly string[], mode: 'copy' | 'symlink'): Promise<{ files: number }> {
  const bySplit = posters.some((p) => p.split);
  const rows: string[][] = [];
  let files = 0;
  for (const p of posters) {
    const name = `${p.posterId}${path.extname(p.relPath).toLowerCase()}`;
    const base = bySplit ? path.join(target, p.split ?? 'unsplit') : target;
    const made: string[] = [];
    for (const g of p.genres ?? []) {
      const dest = path.join(base, folderName(g), name);
      await fs.promises.mkdir(path.dirname(dest), { recursive: true });
      if (mode === 'symlink') await fs.promises.symlink(p.absPath, dest);
      else await fs.promises.copyFile(p.absPath, dest, fs.constants.COPYFILE_EXCL);
      made.push(path.relative(target, dest).split(path.sep).join('/'));
      files++;
    }
    const set = new Set(p.genres ?? []);
    rows.push([made[0] ?? '', p.posterId, p.split ?? '', p.absPath, (p.genres ?? []).join('|'), ...genres.map((g) => (set.has(g) ? '1' : '0'))]);
  }
  // Formula-like cells neutralised, as the other exports do (a genre or id starting with "=").
  await fs.promises.writeFile(
    path.join(target, 'labels.csv'),
    stringify([['file', 'id', 'split', 'source', 'genres', ...genres], ...rows], { cast: { string: neutralise } }),
  );
  return { files };
}

function neutralise(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export interface LabelStudioExportResult {
  file: string;
  tasks: number;
  labelled: number;
  labelConfig: string;
  exists?: string;
}

/** The library as Label Studio import tasks (labelled posters annotated; unlabelled ones too when asked). */
export async function exportLabelStudio(
  db: Db,
  libraryId: number,
  file: string,
  opts: { overwrite?: boolean; unlabelled?: boolean; imagePrefix?: string } = {},
): Promise<LabelStudioExportResult> {
  const target = path.resolve(file);
  if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidError(`${target} is a folder; give a file name such as ${path.join(target, 'tasks.json')}.`);
  if (!fs.statSync(path.dirname(target), { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidError(`The folder ${path.dirname(target)} does not exist.`);
  const { posters, genres } = datasetPosters(db, libraryId, { unlabelled: opts.unlabelled });
  const config = labelConfig(genres);
  const labelled = posters.filter((p) => p.genres).length;
  if (fs.existsSync(target) && !opts.overwrite) return { file: target, tasks: 0, labelled: 0, labelConfig: config, exists: target };
  if (posters.length === 0) throw new InvalidError('This library has no posters to export.');
  try {
    await writeFileAtomic(target, JSON.stringify(labelStudioTasks(posters, opts.imagePrefix), null, 1));
  } catch (err) {
    throw new InvalidError(`Cannot write ${target}: ${(err as Error).message} (the file was not changed).`);
  }
  return { file: target, tasks: posters.length, labelled, labelConfig: config };
}
