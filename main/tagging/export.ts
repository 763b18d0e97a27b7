/**
 * Exports batch-tagging results: CSV and JSON tables, a tutorial-format metadata.csv (so tagged posters can
 * become training data), and XMP sidecars for photo managers. Original images are never touched; every
 * file is written atomically (temp + rename). XMP lives in xmp/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { z } from 'zod';
import type { Db } from '../db/database';
import type { ExportResult as ExportResultSchema } from '../../contract/schemas/tagging';
import { formatGenreList } from '../library/genre-list';
import { writeFileAtomic } from './atomic-file';
import { predictionsForImages, runGenres } from './predictions-repo';
import { InvalidError, NotFoundError } from '../core/errors';
import { writeXmpSidecars } from './xmp/sidecars';
import { writeKeywordCopies } from './xmp/copies';
import type { XmpSettings } from './xmp/settings';

export type ExportFormat = 'csv' | 'json' | 'metadata-csv' | 'xmp' | 'jpeg-copies';

export interface ExportedPoster {
  imageId: number;
  libraryId: number;
  /** Absolute path of the image file. */
  path: string;
  /** Relative to its library root, '/' separated. */
  relPath: string;
  /** The library folder. */
  root: string;
  posterId: string;
  /** The poster's genres: the user's labels once reviewed (edited or accepted), else the model's visible tags. */
  tags: string[];
  source: 'user' | 'model';
  /** Per-genre probabilities in the run's genre order. */
  probabilities: number[];
}

/** What an export wrote, skipped or would replace (the contract's schema; the UI asks before replacing). */
export type ExportResult = z.infer<typeof ExportResultSchema>;

const round = (p: number) => Math.round(p * 1e5) / 1e5;

/**
 * Every poster of the libraries that the run has tagged, in library and path order (duplicate files of a
 * poster, hidden in the gallery, are left out). Read in pages so a large library is never one huge query.
 */
export function exportedPosters(db: Db, runId: number, libraryIds: readonly number[]): ExportedPoster[] {
  const genres = runGenres(db, runId);
  const out: ExportedPoster[] = [];
  const page = db.prepare(`SELECT i.id, i.library_id AS libraryId, l.root, i.rel_path AS relPath, i.poster_id AS posterId, i.labels_source AS src
    FROM images i JOIN libraries l ON l.id = i.library_id
    WHERE i.library_id = ? AND i.duplicate_of IS NULL AND i.rel_path > ?
      AND EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.hash = i.hash)
    ORDER BY i.rel_path LIMIT 500`);
  const labelsOf = db.prepare('SELECT g.name FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = ? ORDER BY g.position, g.id').pluck();
  for (const libraryId of libraryIds) {
    let after = '';
    for (;;) {
      const rows = page.all(libraryId, after, runId) as {
        id: number;
        libraryId: number;
        root: string;
        relPath: string;
        posterId: string;
        src: string | null;
      }[];
      if (rows.length === 0) break;
      after = rows[rows.length - 1].relPath;
      const views = predictionsForImages(
        db,
        runId,
        rows.map((r) => r.id),
      );
      for (const r of rows) {
        const view = views.get(r.id);
        if (!view) continue;
        const user = r.src === 'user';
        out.push({
          imageId: r.id,
          libraryId: r.libraryId,
          path: path.join(r.root, ...r.relPath.split('/')),
          relPath: r.relPath,
          root: r.root,
          posterId: r.posterId,
          tags: user ? (labelsOf.all(r.id) as string[]) : view.tags,
          source: user ? 'user' : 'model',
          probabilities: genres.map((g) => view.probabilities[g]),
        });
      }
    }
  }
  return out;
}

/** Every image file of the libraries (duplicates too: each file may have its own sidecar). */
export function libraryImagePaths(db: Db, libraryIds: readonly number[]): string[] {
  const rows = db.prepare(
    'SELECT l.root, i.rel_path AS relPath FROM images i JOIN libraries l ON l.id = i.library_id WHERE i.library_id = ? ORDER BY i.rel_path',
  );
  return libraryIds.flatMap((id) => (rows.all(id) as { root: string; relPath: string }[]).map((r) => path.join(r.root, ...r.relPath.split('/'))));
}

/** CSV of path, id, tags and one probability column per genre; formula-like cells are neutralised. */
export function toCsv(genres: readonly string[], posters: readonly ExportedPoster[]): string {
  // escape_formulas prefixes ' to strings starting with = + - @ tab CR (OWASP CSV injection); numbers are left alone.
  return stringify(
    posters.map((p) => [p.path, p.posterId, p.tags.join('|'), p.source, ...p.probabilities.map(round)]),
    { header: true, columns: ['path', 'id', 'tags', 'source', ...genres.map((g) => `p_${g}`)], escape_formulas: true, record_delimiter: 'unix' },
  );
}

export function toJson(runId: number, genres: readonly string[], posters: readonly ExportedPoster[]): string {
  return JSON.stringify(
    {
      format: 'poster-tagger-tags',
      formatVersion: 1,
      runId,
      genres,
      exportedAt: new Date().toISOString(),
      posters: posters.map((p) => ({
        path: p.path,
        relPath: p.relPath,
        id: p.posterId,
        tags: p.tags,
        source: p.source,
        probabilities: Object.fromEntries(genres.map((g, j) => [g, round(p.probabilities[j])])),
      })),
    },
    null,
    1,
  );
}

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * The tutorial's metadata.csv (Id, Genre as `['A', 'B']`, one 0/1 column per genre) for one library, so
 * the folder can be opened as training data. Id is the bare poster id when that is unambiguous (file in
 * the folder itself, unique stem); otherwise `./<relative path>`, which the importer also matches. The
 * `./` form also keeps an id that starts like a formula (`=…`, `-…`) from being read as one.
 */
export function toMetadataCsv(genres: readonly string[], posters: readonly ExportedPoster[]): string {
  const all = [...genres];
  for (const p of posters) for (const t of p.tags) if (!all.some((g) => g.toLowerCase() === t.toLowerCase())) all.push(t);
  const stems = new Map<string, number>();
  for (const p of posters) stems.set(p.posterId.toLowerCase(), (stems.get(p.posterId.toLowerCase()) ?? 0) + 1);
  const rows = posters.map((p) => {
    const bare = !p.relPath.includes('/') && stems.get(p.posterId.toLowerCase()) === 1 && !FORMULA_START.test(p.posterId) && p.posterId.trim() === p.posterId;
    const has = new Set(p.tags.map((t) => t.toLowerCase()));
    const ordered = all.filter((g) => has.has(g.toLowerCase()));
    return [
      bare ? p.posterId : `./${p.relPath}`,
      formatGenreList(ordered, { kind: 'bracket', quote: "'", separator: ', ' }),
      ...all.map((g) => (has.has(g.toLowerCase()) ? 1 : 0)),
    ];
  });
  return stringify(rows, { header: true, columns: ['Id', 'Genre', ...all], record_delimiter: 'unix' });
}

/** Exports compared without their timestamps (JSON exportedAt): equal means nothing to write. */
export function sameExport(existing: string, next: string): boolean {
  const bare = (t: string) => t.replace(/"exportedAt": "[^"]*"/, '"exportedAt": ""');
  return existing === next || bare(existing) === bare(next);
}

export interface ExportRequest {
  runId: number;
  libraryIds: number[];
  format: ExportFormat;
  /** Target file for csv/json/metadata-csv. Default: metadata-csv → <library root>/metadata.csv; others → required. */
  file?: string;
  /** Replace the target when it exists (the user confirmed it by name); otherwise an existing file is never touched. */
  overwrite?: boolean;
  /** XMP: write only the sidecars that do not exist yet (the user chose to keep the existing ones). */
  keepExisting?: boolean;
  /** XMP and JPEG copies: sidecar naming and keyword shape. */
  xmp?: XmpSettings;
  /** jpeg-copies: the folder the copies go to. */
  copiesFolder?: string;
  signal?: AbortSignal;
}

/** Runs one export. Throws an Error with a user-readable message on bad input (missing file name, …). */
export async function exportTags(db: Db, req: ExportRequest): Promise<ExportResult> {
  const genres = runGenres(db, req.runId);
  const posters = exportedPosters(db, req.runId, req.libraryIds);
  const confirm = { overwrite: req.overwrite, keepExisting: req.keepExisting, signal: req.signal };
  if (req.format === 'xmp') return writeXmpSidecars(req.runId, posters, { ...req.xmp, ...confirm });
  if (req.format === 'jpeg-copies') {
    if (!req.copiesFolder) throw new InvalidError('JPEG copies need a folder to go to');
    return writeKeywordCopies(req.runId, posters, { ...req.xmp, ...confirm, folder: req.copiesFolder });
  }

  let file = req.file;
  if (req.format === 'metadata-csv') {
    if (req.libraryIds.length !== 1) throw new InvalidError('metadata.csv is written for one folder at a time');
    if (!file) {
      const root = db.prepare('SELECT root FROM libraries WHERE id = ?').pluck().get(req.libraryIds[0]) as string | undefined;
      if (!root) throw new NotFoundError(`No library with id ${req.libraryIds[0]}`);
      file = path.join(root, 'metadata.csv');
    }
  }
  if (!file) throw new InvalidError(`Exporting ${req.format.toUpperCase()} needs a file name`);
  file = path.resolve(file);
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) throw new NotFoundError(`Folder not found: ${dir}`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InvalidError(`${file} is a folder`);
  const content = req.format === 'csv' ? toCsv(genres, posters) : req.format === 'json' ? toJson(req.runId, genres, posters) : toMetadataCsv(genres, posters);
  if (fs.existsSync(file)) {
    // The same export again: nothing to replace, so nothing to ask and nothing to rewrite.
    const sameSize = fs.statSync(file).size === Buffer.byteLength(content); // timestamps have a fixed length
    const existing = sameSize ? await fs.promises.readFile(file, 'utf8').catch(() => null) : null;
    if (existing !== null && sameExport(existing, content)) return { files: [file], filesWritten: 0, count: posters.length, skipped: [], unchanged: 1 };
    if (!req.overwrite) return { files: [], filesWritten: 0, count: posters.length, skipped: [], exists: file };
  }
  await writeFileAtomic(file, content);
  return { files: [file], filesWritten: 1, count: posters.length, skipped: [] };
}
