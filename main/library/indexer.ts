import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../db/database';
import { CancelledError } from '../core/errors';
import type { JobContext } from '../jobs/types';
import { scanLibraryFiles, type KnownFile } from './file-scan';
import { ReportBuilder, type ImportReport } from './import-report';
import { errorKindOf, processImage, type ProcessedImage } from './image-processor';
import { readLayout } from './layouts';
import { getLibrary } from './library-repo';
import { syncVocabulary } from './vocabulary';
import type { ImageFormat, LayoutImage, Split } from './types';

export interface IndexOptions {
  /** The data folder's thumbnails dir (dataPaths(root).thumbnails). */
  thumbnailsDir: string;
  /** Images decoded at once; sharp runs each on libuv's pool, so a few in flight keep both cores busy. */
  concurrency?: number;
  /** Rows per transaction after the first. */
  batchSize?: number;
  /** Rows in the first transaction: small, so a gallery can show a first screenful at once. */
  firstBatchSize?: number;
  /** Called after each committed batch with the number of rows written so far (benchmarks, live refresh). */
  onBatch?: (rowsWritten: number) => void;
}

export interface IndexResult {
  layout: string;
  files: number;
  /** New or changed files that were read. */
  processed: number;
  unchanged: number;
  removed: number;
  failed: number;
  report: ImportReport;
  ms: number;
}

interface PrevRow {
  id: number;
  rel_path: string;
  size: number;
  mtime_ms: number;
  format: ImageFormat | null;
  error: string | null;
  hash: string | null;
  poster_id: string;
  split: Split | null;
  labels_source: 'import' | 'user' | null;
}

const FLUSH_MS = 250;

/**
 * Job body: brings a library's rows up to date with its folder. Only new or changed files (size/mtime) are
 * read; rows are written in batched transactions, the first one early; removed files are dropped, but labels
 * a user set on them are moved to a file with the same content or listed in the report.
 */
export async function indexLibrary(db: Db, libraryId: number, ctx: JobContext, opts: IndexOptions): Promise<IndexResult> {
  const t0 = performance.now();
  const lib = getLibrary(db, libraryId);
  if (!fs.existsSync(lib.root) || !fs.statSync(lib.root).isDirectory()) {
    throw new Error(`The library folder is missing: ${lib.root} (moved, deleted, or a drive not mounted)`);
  }
  ctx.progress({ phase: 'Scanning folder', done: 0, failed: 0, total: 0 });

  const prevRows = db.prepare(`SELECT id, rel_path, size, mtime_ms, format, error, hash, poster_id, split, labels_source
    FROM images WHERE library_id = ?`).all(libraryId) as PrevRow[];
  const prev = new Map(prevRows.map((r) => [r.rel_path, r]));
  const known = new Map<string, KnownFile>(prevRows.map((r) => [r.rel_path, { size: r.size, mtimeMs: r.mtime_ms, format: r.format, problem: r.error }]));

  const scan = await scanLibraryFiles(lib.root, { known, signal: ctx.signal });
  await ctx.checkpoint();
  const layout = readLayout(lib.root, scan, lib.layout);
  const genreIds = syncVocabulary(db, libraryId, layout.genres);
  const report = new ReportBuilder();
  report.merge(layout.report);

  const labelsOf = (img: LayoutImage): number[] | null =>
    img.genres === null ? null : [...new Set(img.genres.map((g) => genreIds.get(g.toLowerCase())).filter((x): x is number => x !== undefined))].sort((a, b) => a - b);

  const stmts = prepare(db);
  const work: LayoutImage[] = [];
  let unchanged = 0;

  // Unchanged files: only their poster id, split and imported labels can have moved (a CSV edit).
  const currentLabels = new Map<number, number[]>();
  for (const r of db.prepare(`SELECT l.image_id AS i, l.genre_id AS g FROM labels l JOIN images im ON im.id = l.image_id
      WHERE im.library_id = ? ORDER BY l.image_id, l.genre_id`).all(libraryId) as { i: number; g: number }[]) {
    const list = currentLabels.get(r.i);
    if (list) list.push(r.g);
    else currentLabels.set(r.i, [r.g]);
  }
  db.transaction(() => {
    for (const img of layout.images) {
      const p = prev.get(img.relPath);
      if (!p || p.size !== img.size || p.mtime_ms !== img.mtimeMs) {
        work.push(img);
        continue;
      }
      unchanged++;
      if (p.error && p.format !== null) report.add(errorKindOf(p.error), img.relPath, p.error);
      if (p.poster_id !== img.posterId || p.split !== img.split) stmts.setIdentity.run(img.posterId, img.split, p.id);
      if (p.labels_source === 'user') continue;
      const want = labelsOf(img);
      const have = currentLabels.get(p.id) ?? [];
      const source = want === null ? null : 'import';
      if (p.labels_source !== source || !sameList(want ?? [], have)) writeImportLabels(stmts, p.id, want);
    }
  })();

  // New and changed files, in gallery order (relative path, as the gallery sorts; a layout lists them in its
  // own order, e.g. the CSV's rows), so the first screenful is the first batch and later ones append below it.
  work.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  const total = work.length;
  let done = 0;
  let failed = 0;
  let written = 0;
  let pending: { img: LayoutImage; res: ProcessedImage }[] = [];
  let lastFlush = performance.now();
  const batchSize = opts.batchSize ?? 250;
  const firstBatch = opts.firstBatchSize ?? 48;
  fs.mkdirSync(opts.thumbnailsDir, { recursive: true });

  const flush = () => {
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    db.transaction(() => {
      for (const { img, res } of rows) {
        const format = img.format;
        const out = stmts.upsert.get({
          library_id: libraryId, rel_path: img.relPath, poster_id: img.posterId, split: img.split,
          hash: res.hash, format, size: img.size, mtime_ms: img.mtimeMs, width: res.width, height: res.height,
          thumb_status: res.thumbStatus, error: res.error, labels_source: img.genres === null ? null : 'import',
        }) as { id: number; labels_source: string | null };
        if (out.labels_source !== 'user') writeImportLabels(stmts, out.id, labelsOf(img));
      }
    })();
    written += rows.length;
    lastFlush = performance.now();
    opts.onBatch?.(written);
  };

  const concurrency = Math.max(1, opts.concurrency ?? Math.max(2, os.availableParallelism()) * 2);
  let next = 0;
  /** Read but not yet queued for writing (waiting for an earlier file); `ready` is the next one in order. */
  const finished: (ProcessedImage | null | undefined)[] = new Array(work.length);
  let ready = 0;
  let stop: unknown = null;
  const worker = async () => {
    while (next < work.length && stop === null) {
      try {
        await ctx.checkpoint();
      } catch (err) {
        stop = err;
        return;
      }
      const at = next++;
      const img = work[at];
      let res: ProcessedImage | null;
      if (img.format === null) {
        // Already known not to be an image (reported by the scan): a row with the error, nothing to decode.
        res = { hash: null, width: null, height: null, thumbStatus: 'failed', error: img.problem ?? 'not an image', errorKind: null };
      } else {
        res = await processImage(path.join(lib.root, img.relPath), opts.thumbnailsDir);
        if (res?.error && res.errorKind) report.add(res.errorKind, img.relPath, res.error);
      }
      done++;
      if (res?.error) failed++;
      // Written in gallery order, whatever order the decodes finish in: each batch lands after the posters a
      // gallery already shows, so the grid grows at the end instead of shifting while indexing runs.
      finished[at] = res; // null: vanished while we worked (the next index drops it)
      let flushed = false;
      while (ready < work.length && finished[ready] !== undefined) {
        const r = finished[ready];
        if (r) pending.push({ img: work[ready], res: r });
        finished[ready++] = undefined;
        if (pending.length >= (written === 0 ? firstBatch : batchSize)) {
          flush();
          flushed = true;
        }
      }
      if (!flushed && performance.now() - lastFlush > FLUSH_MS) {
        flush();
        flushed = true;
      }
      if (flushed) ctx.progress({ phase: 'Reading posters', done, failed, total, message: img.relPath });
    }
  };
  ctx.progress({ phase: 'Reading posters', done: 0, failed: 0, total });
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, work.length)) }, worker));
  flush(); // what was read before a cancel is kept: those rows are complete
  if (stop !== null) throw stop instanceof Error ? stop : new CancelledError();
  if (ctx.signal.aborted) throw new CancelledError();

  ctx.progress({ phase: 'Finishing', done, failed, total });
  const present = new Set(layout.images.map((i) => i.relPath));
  const removedRows = prevRows.filter((r) => !present.has(r.rel_path));
  db.transaction(() => {
    for (const r of removedRows) {
      if (r.labels_source === 'user') rescueUserLabels(db, stmts, libraryId, r, report);
      stmts.deleteImage.run(r.id);
    }
    groupPosters(db, libraryId, layout.groupPosters ? layout.images : null, labelsOf);
  })();

  const finalReport = { ...report.build(layout.layout, layout.report.totals), labelCsvs: layout.labelCsvs };
  db.prepare(`UPDATE libraries SET indexed_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), last_import_report = ? WHERE id = ?`)
    .run(JSON.stringify(finalReport), libraryId);
  ctx.progress({ phase: 'Done', done, failed, total });
  return {
    layout: layout.layout, files: layout.images.length, processed: total, unchanged, removed: removedRows.length,
    failed, report: finalReport, ms: performance.now() - t0,
  };
}

type Stmts = ReturnType<typeof prepare>;

function prepare(db: Db) {
  return {
    upsert: db.prepare(`INSERT INTO images (library_id, rel_path, poster_id, split, hash, format, size, mtime_ms, width, height, thumb_status, error, labels_source)
      VALUES (@library_id, @rel_path, @poster_id, @split, @hash, @format, @size, @mtime_ms, @width, @height, @thumb_status, @error, @labels_source)
      ON CONFLICT (library_id, rel_path) DO UPDATE SET poster_id = excluded.poster_id, split = excluded.split, hash = excluded.hash,
        format = excluded.format, size = excluded.size, mtime_ms = excluded.mtime_ms, width = excluded.width, height = excluded.height,
        thumb_status = excluded.thumb_status, error = excluded.error,
        labels_source = CASE WHEN images.labels_source = 'user' THEN 'user' ELSE excluded.labels_source END
      RETURNING id, labels_source`),
    setIdentity: db.prepare('UPDATE images SET poster_id = ?, split = ? WHERE id = ?'),
    setSource: db.prepare('UPDATE images SET labels_source = ? WHERE id = ?'),
    clearLabels: db.prepare('DELETE FROM labels WHERE image_id = ?'),
    addLabel: db.prepare('INSERT OR IGNORE INTO labels (image_id, genre_id, source) VALUES (?, ?, ?)'),
    deleteImage: db.prepare('DELETE FROM images WHERE id = ?'),
  };
}

function writeImportLabels(s: Stmts, imageId: number, genreIds: number[] | null): void {
  s.clearLabels.run(imageId);
  for (const g of genreIds ?? []) s.addLabel.run(imageId, g, 'import');
  s.setSource.run(genreIds === null ? null : 'import', imageId);
}

function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A removed file's user labels go to a present file with the same content (a move or rename), else into the report. */
function rescueUserLabels(db: Db, s: Stmts, libraryId: number, r: PrevRow, report: ReportBuilder): void {
  const genres = db.prepare(`SELECT g.id, g.name FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = ? ORDER BY g.position`)
    .all(r.id) as { id: number; name: string }[];
  const heir = r.hash === null ? undefined : (db.prepare(`SELECT id, rel_path FROM images
      WHERE library_id = ? AND hash = ? AND id <> ? AND (labels_source IS NULL OR labels_source <> 'user') ORDER BY rel_path LIMIT 1`)
    .get(libraryId, r.hash, r.id) as { id: number; rel_path: string } | undefined);
  if (heir) {
    s.clearLabels.run(heir.id);
    for (const g of genres) s.addLabel.run(heir.id, g.id, 'user');
    s.setSource.run('user', heir.id);
    return;
  }
  report.add('removed-with-user-labels', r.rel_path,
    `file is gone; its labels set in the app were: ${genres.map((g) => g.name).join(', ') || '(no genre)'} (poster ${r.poster_id})`);
}

/**
 * Genre-folder layout: files with the same poster id or the same content are one poster. The first file
 * (user-labelled first, then by path) stays visible with the union of genres; the others point to it.
 */
function groupPosters(db: Db, libraryId: number, images: LayoutImage[] | null, labelsOf: (i: LayoutImage) => number[] | null): void {
  if (images === null) {
    db.prepare('UPDATE images SET duplicate_of = NULL WHERE library_id = ? AND duplicate_of IS NOT NULL').run(libraryId);
    return;
  }
  const rows = db.prepare(`SELECT id, rel_path, poster_id, hash, labels_source, error, duplicate_of FROM images WHERE library_id = ? ORDER BY rel_path`)
    .all(libraryId) as { id: number; rel_path: string; poster_id: string; hash: string | null; labels_source: string | null; error: string | null; duplicate_of: number | null }[];
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: number, b: number) => parent.set(find(a), find(b));
  const byKey = new Map<string, number>();
  for (const r of rows) {
    parent.set(r.id, r.id);
    if (r.error) continue; // a broken file is its own entry, so its error stays visible
    for (const key of [`p:${r.poster_id.toLowerCase()}`, r.hash ? `h:${r.hash}` : null]) {
      if (key === null) continue;
      const other = byKey.get(key);
      if (other === undefined) byKey.set(key, r.id);
      else union(r.id, other);
    }
  }
  const groups = new Map<number, typeof rows>();
  for (const r of rows) {
    const g = find(r.id);
    const list = groups.get(g);
    if (list) list.push(r);
    else groups.set(g, [r]);
  }
  const layoutByPath = new Map(images.map((i) => [i.relPath, i]));
  const setDup = db.prepare('UPDATE images SET duplicate_of = ? WHERE id = ?');
  const s = prepare(db);
  for (const members of groups.values()) {
    if (members.length === 1) {
      if (members[0].duplicate_of !== null) setDup.run(null, members[0].id);
      continue;
    }
    const primary = members.find((m) => m.labels_source === 'user') ?? members[0];
    const genreIds = new Set<number>();
    for (const m of members) for (const g of labelsOf(layoutByPath.get(m.rel_path)!) ?? []) genreIds.add(g);
    for (const m of members) {
      if (m.id === primary.id) {
        if (m.duplicate_of !== null) setDup.run(null, m.id);
        if (m.labels_source !== 'user') writeImportLabels(s, m.id, [...genreIds].sort((a, b) => a - b));
      } else {
        if (m.duplicate_of !== primary.id) setDup.run(primary.id, m.id);
        s.clearLabels.run(m.id);
        s.setSource.run(null, m.id);
      }
    }
  }
}
