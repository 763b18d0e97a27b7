/**
 * Copies of the tagged JPEGs with the genres embedded (IPTC Keywords + XMP), for Lightroom and other
 * tools that read keywords from the file rather than a sidecar. The copies go to a folder the user picks,
 * outside the tagged folders; the originals are only read. An existing copy is replaced only after a
 * confirmation naming it, and one that already holds exactly this is not rewritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-file';
import { inLanes } from '../../core/in-lanes';

import { InvalidError, NotFoundError } from '../../core/errors';
import { keywordsFor, type KeywordOptions } from './keywords';
import { jpegWithKeywords, isJpeg } from './jpeg-keywords';
import type { SidecarResult } from './sidecars';

export interface CopyPoster {
  path: string;
  relPath: string;
  /** The library folder the poster is in. */
  root: string;
  tags: string[];
}

export interface CopyOptions extends KeywordOptions {
  folder: string;
  overwrite?: boolean;
  keepExisting?: boolean;
  signal?: AbortSignal;
}

const LISTED = 100;
const NOT_JPEG = 'not a JPEG: keywords are embedded in JPEG copies only (use XMP sidecars for PNG and WebP)';

async function startsAsJpeg(file: string): Promise<boolean> {
  const handle = await fs.promises.open(file, 'r').catch(() => null);
  if (!handle) return true; // unreadable: the write step reports why
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    return isJpeg(head);
  } finally {
    await handle.close();
  }
}
const FEW = 5;

const inside = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** The copies' folder, checked: it exists, and is not (in) a tagged folder, whose scan would read the copies as new posters. */
function targetFolder(folder: string, roots: readonly string[]): string {
  const dir = path.resolve(folder);
  if (!fs.existsSync(dir)) throw new NotFoundError(`Folder not found: ${dir}`);
  if (!fs.statSync(dir).isDirectory()) throw new InvalidError(`${dir} is not a folder`);
  const real = fs.realpathSync(dir);
  for (const root of roots) {
    const realRoot = fs.existsSync(root) ? fs.realpathSync(root) : root;
    if (inside(real, realRoot) || inside(dir, root))
      throw new InvalidError(`Pick a folder outside ${root}: copies inside a tagged folder would be read as new posters`);
  }
  return dir;
}

export async function writeKeywordCopies(runId: number, posters: readonly CopyPoster[], opts: CopyOptions): Promise<SidecarResult> {
  const roots = [...new Set(posters.map((p) => p.root))];
  const dir = targetFolder(opts.folder, roots);
  // Several folders: each gets its own subfolder, so equal relative paths cannot collide.
  const targetOf = (p: CopyPoster) => path.join(dir, ...(roots.length > 1 ? [path.basename(p.root)] : []), ...p.relPath.split('/'));
  const result: SidecarResult = { files: [], filesWritten: 0, count: posters.length, skipped: [] };
  /** The copy's bytes: deterministic (the XMP date is the original's modification time), so a repeat compares equal. */
  const bytesOf = async (p: CopyPoster): Promise<Buffer | string> => {
    const original = await fs.promises.readFile(p.path);
    if (!isJpeg(original)) return NOT_JPEG;
    const date = (await fs.promises.stat(p.path)).mtime.toISOString();
    try {
      return jpegWithKeywords(original, keywordsFor(p.tags, opts), runId, date);
    } catch (err) {
      return `could not add the keywords: ${(err as Error).message}`;
    }
  };
  const plans: { p: CopyPoster; file: string; replace: boolean }[] = [];
  let unchanged = 0;
  let kept = 0;
  await inLanes(
    4,
    posters,
    async (p) => {
      const file = targetOf(p);
      const existing = await fs.promises.readFile(file).catch(() => null);
      if (existing === null) {
        if (await startsAsJpeg(p.path)) plans.push({ p, file, replace: false });
        else result.skipped.push({ file: p.path, reason: NOT_JPEG });
        return;
      }
      const next = await bytesOf(p);
      if (typeof next === 'string') result.skipped.push({ file: p.path, reason: next });
      else if (next.equals(existing)) unchanged++;
      else if (opts.keepExisting) kept++;
      else plans.push({ p, file, replace: true });
    },
    opts.signal,
  );
  const replacing = plans.filter((x) => x.replace).sort((a, b) => a.file.localeCompare(b.file));
  if (replacing.length && !opts.overwrite) {
    const files = replacing.slice(0, FEW).map((x) => x.file);
    return {
      files: [],
      filesWritten: 0,
      count: posters.length,
      skipped: [],
      exists: files[0],
      replace: { count: replacing.length, files, newFiles: plans.length - replacing.length },
    };
  }
  await inLanes(
    4,
    plans,
    async ({ p, file }) => {
      const bytes = await bytesOf(p);
      if (typeof bytes === 'string') return void result.skipped.push({ file: p.path, reason: bytes });
      try {
        await fs.promises.mkdir(path.dirname(file), { recursive: true });
        await writeFileAtomic(file, bytes);
        result.filesWritten++;
        if (result.files.length < LISTED) result.files.push(file);
      } catch (err) {
        result.skipped.push({ file, reason: `could not write: ${(err as Error).message}` });
      }
    },
    opts.signal,
  );
  if (unchanged) result.unchanged = unchanged;
  if (kept) result.kept = kept;
  result.files.sort((a, b) => a.localeCompare(b));
  result.skipped.sort((a, b) => a.file.localeCompare(b.file));
  return result;
}
