import fs from 'node:fs';
import path from 'node:path';
import { isCandidateExtension, IMAGE_EXTENSIONS, sniffFile } from './image-format';
import { ReportBuilder } from './import-report';
import type { ImageFormat } from './types';
import { CancelledError } from '../core/errors';

/** A file under the root, as found by the walk. `format` null: it promised to be an image but is not one. */
export interface ScannedFile {
  relPath: string;
  size: number;
  mtimeMs: number;
  format: ImageFormat | null;
  /** Why `format` is null. */
  problem?: string;
}

/** What the previous index knew about a file: if size and mtime match, its content is not sniffed again. */
export interface KnownFile {
  size: number;
  mtimeMs: number;
  format: ImageFormat | null;
  problem?: string | null;
}

export interface ScanResult {
  /** Image files (and image-named files that turned out broken), sorted by relPath. */
  files: ScannedFile[];
  /** Every .csv file, relative to the root, sorted shallowest first. */
  csvFiles: string[];
  /** not-an-image / unreadable-file issues. */
  report: ReportBuilder;
}

const STAT_CONCURRENCY = 64;

function toRel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

/**
 * Walks the library (hidden entries and symlinks skipped: symlinks could leave the root or loop) and
 * stats every candidate file. Only new or changed files are opened, so re-opening a big library is cheap.
 */
export async function scanLibraryFiles(root: string, opts: { known?: Map<string, KnownFile>; signal?: AbortSignal } = {}): Promise<ScanResult> {
  const report = new ReportBuilder();
  const candidates: string[] = [];
  const csvFiles: string[] = [];
  const stack = [root];
  while (stack.length) {
    if (opts.signal?.aborted) throw new CancelledError();
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (dir === root) throw new Error(`Cannot read the library folder ${root}: ${(err as Error).message}`, { cause: err });
      report.add('unreadable-file', toRel(root, dir), `cannot read folder: ${(err as Error).message}`);
      continue;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(abs);
      else if (e.isFile()) {
        const ext = path.extname(e.name);
        if (ext.toLowerCase() === '.csv') csvFiles.push(toRel(root, abs));
        else if (isCandidateExtension(ext)) candidates.push(abs);
      }
    }
  }

  const files: ScannedFile[] = [];
  for (let i = 0; i < candidates.length; i += STAT_CONCURRENCY) {
    if (opts.signal?.aborted) throw new CancelledError();
    const chunk = candidates.slice(i, i + STAT_CONCURRENCY);
    const done = await Promise.all(chunk.map((abs) => scanOne(root, abs, opts.known)));
    for (const f of done) {
      if (!f) continue;
      if (f.format === null) {
        if (f.problem?.startsWith('cannot read')) report.add('unreadable-file', f.relPath, f.problem);
        else if (IMAGE_EXTENSIONS.has(path.extname(f.relPath).toLowerCase()) || f.problem?.startsWith('empty')) {
          report.add('not-an-image', f.relPath, f.problem ?? 'not an image');
        } else {
          // A file without an image extension that is not an image (or an unsupported format): not ours.
          if (path.extname(f.relPath) !== '') report.add('not-an-image', f.relPath, `unsupported format: ${f.problem}`);
          continue;
        }
      }
      files.push(f);
    }
  }
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  csvFiles.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  return { files, csvFiles, report };
}

async function scanOne(root: string, abs: string, known?: Map<string, KnownFile>): Promise<ScannedFile | null> {
  const relPath = toRel(root, abs);
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(abs);
  } catch (err) {
    // Vanished between readdir and stat: as if never there.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { relPath, size: 0, mtimeMs: 0, format: null, problem: `cannot read file: ${(err as Error).message}` };
  }
  const mtimeMs = Math.trunc(st.mtimeMs);
  const prev = known?.get(relPath);
  if (prev && prev.size === st.size && prev.mtimeMs === mtimeMs) {
    return prev.format
      ? { relPath, size: st.size, mtimeMs, format: prev.format }
      : { relPath, size: st.size, mtimeMs, format: null, problem: prev.problem ?? 'not an image' };
  }
  const sniff = await sniffFile(abs);
  return sniff.format ? { relPath, size: st.size, mtimeMs, format: sniff.format } : { relPath, size: st.size, mtimeMs, format: null, problem: sniff.problem };
}
