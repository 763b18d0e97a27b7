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
import { getLibrary, saveImportReport, type LibraryRow } from './library-repo';
import { createImagesRepo, type ImagesRepo, type PrevRow } from './images-repo';
import { syncVocabulary } from './vocabulary';
import type { LayoutImage, LayoutResult } from './types';

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

const FLUSH_MS = 250;

/** Genre ids of an image's layout genres, ascending; null for an unlabelled image. */
type LabelsOf = (img: LayoutImage) => number[] | null;

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
  const repo = createImagesRepo(db, libraryId);
  const prevRows = await previousRows(repo);
  const layout = await scanLayout(lib, prevRows, ctx);
  const genreIds = syncVocabulary(db, libraryId, layout.genres);
  const labelsOf: LabelsOf = (img) =>
    img.genres === null
      ? null
      : [...new Set(img.genres.map((g) => genreIds.get(g.toLowerCase())).filter((x): x is number => x !== undefined))].sort((a, b) => a - b);
  const report = new ReportBuilder();
  report.merge(layout.report);

  const prev = new Map(prevRows.map((r) => [r.rel_path, r]));
  const { work, unchanged } = await updateUnchanged(repo, layout.images, prev, labelsOf, report);
  const { done, failed } = await readChanged(repo, lib, work, ctx, opts, labelsOf, report);

  ctx.progress({ phase: 'Finishing', done, failed, total: work.length });
  const present = new Set(layout.images.map((i) => i.relPath));
  const removedRows = prevRows.filter((r) => !present.has(r.rel_path));
  repo.transaction(() => {
    for (const r of removedRows) {
      if (r.labels_source === 'user') rescueUserLabels(repo, r, report);
      repo.deleteImage(r.id);
    }
    groupPosters(repo, layout.groupPosters ? layout.images : null, labelsOf);
  });

  const finalReport = { ...report.build(layout.layout, layout.report.totals), labelCsvs: layout.labelCsvs };
  saveImportReport(db, libraryId, finalReport);
  ctx.progress({ phase: 'Done', done, failed, total: work.length });
  return {
    layout: layout.layout,
    files: layout.images.length,
    processed: work.length,
    unchanged,
    removed: removedRows.length,
    failed,
    report: finalReport,
    ms: performance.now() - t0,
  };
}

/** Scans the folder (reading only what changed since `prevRows`) and reads its layout. */
async function scanLayout(lib: LibraryRow, prevRows: PrevRow[], ctx: JobContext): Promise<LayoutResult> {
  const known = new Map<string, KnownFile>(prevRows.map((r) => [r.rel_path, { size: r.size, mtimeMs: r.mtime_ms, format: r.format, problem: r.error }]));
  const scan = await scanLibraryFiles(lib.root, { known, signal: ctx.signal });
  await ctx.checkpoint();
  return readLayout(lib.root, scan, lib.layout);
}

/**
 * Lets the gallery's calls in between: they share this thread with indexing, and re-opening a library of
 * 100,000 posters is seconds of synchronous database work that would otherwise hold up its first page.
 */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));
const CHUNK = 2000;

/** The library's rows as the previous index left them, read a chunk at a time. */
async function previousRows(repo: ImagesRepo): Promise<PrevRow[]> {
  const rows: PrevRow[] = [];
  for (let after = ''; ;) {
    const chunk = repo.previousRowsAfter(after, CHUNK);
    rows.push(...chunk);
    if (chunk.length < CHUNK) return rows;
    after = chunk[chunk.length - 1].rel_path;
    await breathe();
  }
}

/**
 * Unchanged files (same size and mtime) are not read again: only their poster id, split and imported labels
 * can have moved (a CSV edit). Returns the new and changed files, in gallery order (relative path, as the
 * gallery sorts; a layout lists them in its own order, e.g. the CSV's rows), so the first screenful is the
 * first batch and later ones append below it. A transaction per chunk: each leaves its rows complete.
 */
async function updateUnchanged(repo: ImagesRepo, images: LayoutImage[], prev: Map<string, PrevRow>, labelsOf: LabelsOf, report: ReportBuilder) {
  const work: LayoutImage[] = [];
  let unchanged = 0;
  for (let start = 0; start < images.length; start += CHUNK) {
    const chunk: [LayoutImage, PrevRow][] = [];
    for (const img of images.slice(start, start + CHUNK)) {
      const p = prev.get(img.relPath);
      if (!p || p.size !== img.size || p.mtime_ms !== img.mtimeMs) work.push(img);
      else chunk.push([img, p]);
    }
    unchanged += chunk.length;
    repo.transaction(() => {
      // Read now, not from `prev`: the user may have edited labels while the folder was scanned.
      const ids = chunk.map(([, p]) => p.id);
      const sources = repo.labelSources(ids);
      const currentLabels = repo.labelsOf(ids.filter((id) => sources.get(id) !== 'user'));
      for (const [img, p] of chunk) {
        if (p.error && p.format !== null) report.add(errorKindOf(p.error), img.relPath, p.error);
        if (p.poster_id !== img.posterId || p.split !== img.split) repo.setIdentity(p.id, img.posterId, img.split);
        const now = sources.get(p.id) ?? null;
        if (now === 'user') continue;
        const want = labelsOf(img);
        const have = currentLabels.get(p.id) ?? [];
        const source = want === null ? null : 'import';
        if (now !== source || !sameList(want ?? [], have)) repo.writeImportLabels(p.id, want);
      }
    });
    await breathe();
  }
  work.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { work, unchanged };
}

/** Writes read files in batched transactions: a small first one (a first screenful at once), then larger ones. */
function createBatchWriter(repo: ImagesRepo, libraryId: number, labelsOf: LabelsOf, opts: IndexOptions) {
  const batchSize = opts.batchSize ?? 250;
  const firstBatch = opts.firstBatchSize ?? 48;
  let pending: { img: LayoutImage; res: ProcessedImage }[] = [];
  let written = 0;
  let lastFlush = performance.now();
  const flush = () => {
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    repo.transaction(() => {
      for (const { img, res } of rows) {
        const out = repo.upsert({
          library_id: libraryId,
          rel_path: img.relPath,
          poster_id: img.posterId,
          split: img.split,
          hash: res.hash,
          format: img.format,
          size: img.size,
          mtime_ms: img.mtimeMs,
          width: res.width,
          height: res.height,
          thumb_status: res.thumbStatus,
          error: res.error,
          phash: res.phash ?? null,
          labels_source: img.genres === null ? null : 'import',
        });
        if (out.labels_source !== 'user') repo.writeImportLabels(out.id, labelsOf(img));
      }
    });
    written += rows.length;
    lastFlush = performance.now();
    opts.onBatch?.(written);
  };
  return {
    flush,
    /** Queues a row; true if that filled a batch and it was written. */
    add(img: LayoutImage, res: ProcessedImage): boolean {
      pending.push({ img, res });
      if (pending.length < (written === 0 ? firstBatch : batchSize)) return false;
      flush();
      return true;
    },
    /** Writes what is queued if the last write is a while ago (slow decodes still show up); true if it wrote. */
    flushIfStale(): boolean {
      if (performance.now() - lastFlush <= FLUSH_MS) return false;
      flush();
      return true;
    },
  };
}

/** Decodes one new or changed file (hash, size, thumbnail); null if it vanished meanwhile. */
async function readOne(img: LayoutImage, root: string, thumbnailsDir: string, report: ReportBuilder): Promise<ProcessedImage | null> {
  // Already known not to be an image (reported by the scan): a row with the error, nothing to decode.
  if (img.format === null) return { hash: null, width: null, height: null, thumbStatus: 'failed', error: img.problem ?? 'not an image', errorKind: null };
  const res = await processImage(path.join(root, img.relPath), thumbnailsDir);
  if (res?.error && res.errorKind) report.add(res.errorKind, img.relPath, res.error);
  return res;
}

/**
 * Reads the new and changed files a few at a time and writes them in gallery order, whatever order the decodes
 * finish in: each batch lands after the posters a gallery already shows, so the grid grows at the end instead
 * of shifting while indexing runs. What was read before a cancel is kept: those rows are complete.
 */
async function readChanged(
  repo: ImagesRepo,
  lib: LibraryRow,
  work: LayoutImage[],
  ctx: JobContext,
  opts: IndexOptions,
  labelsOf: LabelsOf,
  report: ReportBuilder,
) {
  fs.mkdirSync(opts.thumbnailsDir, { recursive: true });
  const writer = createBatchWriter(repo, lib.id, labelsOf, opts);
  const total = work.length;
  const concurrency = Math.max(1, opts.concurrency ?? Math.max(2, os.availableParallelism()) * 2);
  let next = 0;
  let done = 0;
  let failed = 0;
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
      const res = await readOne(work[at], lib.root, opts.thumbnailsDir, report);
      done++;
      if (res?.error) failed++;
      finished[at] = res; // null: vanished while we worked (the next index drops it)
      let flushed = false;
      while (ready < work.length && finished[ready] !== undefined) {
        const r = finished[ready];
        if (r && writer.add(work[ready], r)) flushed = true;
        finished[ready++] = undefined;
      }
      if (!flushed) flushed = writer.flushIfStale();
      if (flushed) ctx.progress({ phase: 'Reading posters', done, failed, total, message: work[at].relPath });
    }
  };
  ctx.progress({ phase: 'Reading posters', done: 0, failed: 0, total });
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, work.length)) }, worker));
  writer.flush();
  if (stop !== null) throw stop instanceof Error ? stop : new CancelledError();
  if (ctx.signal.aborted) throw new CancelledError();
  return { done, failed };
}

function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A removed file's user labels go to a present file with the same content (a move or rename), else into the report. */
function rescueUserLabels(repo: ImagesRepo, r: PrevRow, report: ReportBuilder): void {
  const genres = repo.userLabelsOf(r.id);
  const heir = r.hash === null ? undefined : repo.sameContentHeir(r.hash, r.id);
  if (heir) {
    repo.writeUserLabels(
      heir.id,
      genres.map((g) => g.id),
    );
    return;
  }
  report.add(
    'removed-with-user-labels',
    r.rel_path,
    `file is gone; its labels set in the app were: ${genres.map((g) => g.name).join(', ') || '(no genre)'} (poster ${r.poster_id})`,
  );
}

/**
 * Genre-folder layout: files with the same poster id or the same content are one poster. The first file
 * (user-labelled first, then by path) stays visible with the union of genres; the others point to it.
 */
function groupPosters(repo: ImagesRepo, images: LayoutImage[] | null, labelsOf: LabelsOf): void {
  if (images === null) {
    repo.clearDuplicates();
    return;
  }
  const layoutByPath = new Map(images.map((i) => [i.relPath, i]));
  for (const members of posterGroups(repo.groupingRows())) {
    if (members.length === 1) {
      if (members[0].duplicate_of !== null) repo.setDuplicateOf(members[0].id, null);
      continue;
    }
    const primary = members.find((m) => m.labels_source === 'user') ?? members[0];
    const genreIds = new Set<number>();
    for (const m of members) for (const g of labelsOf(layoutByPath.get(m.rel_path)!) ?? []) genreIds.add(g);
    for (const m of members) {
      if (m.id === primary.id) {
        if (m.duplicate_of !== null) repo.setDuplicateOf(m.id, null);
        if (m.labels_source !== 'user')
          repo.writeImportLabels(
            m.id,
            [...genreIds].sort((a, b) => a - b),
          );
      } else {
        if (m.duplicate_of !== primary.id) repo.setDuplicateOf(m.id, primary.id);
        repo.unlabel(m.id);
      }
    }
  }
}

/** Rows joined by poster id or content hash (union-find), each group in path order. */
function posterGroups<R extends { id: number; poster_id: string; hash: string | null; error: string | null }>(rows: R[]): R[][] {
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
  const groups = new Map<number, R[]>();
  for (const r of rows) {
    const g = find(r.id);
    const list = groups.get(g);
    if (list) list.push(r);
    else groups.set(g, [r]);
  }
  return [...groups.values()];
}
