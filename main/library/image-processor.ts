import fs from 'node:fs';
import sharp from 'sharp';
import { hashBuffer } from '../core/content-hash';
import type { IssueKind } from './import-report';
import { makeThumbnailWithPhash, MAX_INPUT_PIXELS } from './thumbnails';

export interface ProcessedImage {
  hash: string | null;
  width: number | null;
  height: number | null;
  thumbStatus: 'ready' | 'failed';
  /** 64-bit perceptual hash (16 hex digits) of the thumbnail, for near-duplicates (phash.ts). */
  phash?: string | null;
  error: string | null;
  errorKind: IssueKind | null;
}

/**
 * Reads one image: content hash, dimensions (header only), and its thumbnail, which decodes the whole image
 * and so also proves it is not truncated. Never throws for bad content; returns null if the file vanished.
 */
export async function processImage(file: string, thumbnailsDir: string): Promise<ProcessedImage | null> {
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return failed(null, null, null, 'unreadable-file', `cannot read file: ${(err as Error).message}`);
  }
  if (buf.length === 0) return failed(null, null, null, 'not-an-image', 'empty file (0 bytes)');
  const hash = hashBuffer(buf);
  let width: number | null;
  let height: number | null;
  let format: string;
  try {
    const meta = await sharp(buf, { limitInputPixels: false }).metadata();
    format = meta.format ?? '';
    width = meta.autoOrient?.width ?? meta.width ?? null;
    height = meta.autoOrient?.height ?? meta.height ?? null;
  } catch (err) {
    return failed(hash, null, null, 'decode-failed', `cannot decode image: ${distinctLines(err)}`);
  }
  if (width !== null && height !== null && width * height > MAX_INPUT_PIXELS) {
    return failed(hash, width, height, 'image-too-large', `image too large to decode (${width}×${height} px; limit ${MAX_INPUT_PIXELS / 1e6} MP)`);
  }
  let phash: string;
  try {
    ({ phash } = await makeThumbnailWithPhash(thumbnailsDir, hash, buf));
  } catch (err) {
    return failed(hash, width, height, 'decode-failed', `cannot decode image: ${pixelError(err, format)}`);
  }
  return { hash, width, height, thumbStatus: 'ready', phash, error: null, errorKind: null };
}

function failed(hash: string | null, width: number | null, height: number | null, errorKind: IssueKind, error: string): ProcessedImage {
  return { hash, width, height, thumbStatus: 'failed', error, errorKind };
}

/** The report kind of an error stored on an image row. */
export function errorKindOf(error: string): IssueKind {
  if (error.startsWith('image too large')) return 'image-too-large';
  if (error.startsWith('cannot read')) return 'unreadable-file';
  if (error.startsWith('empty file') || error.startsWith('not a ')) return 'not-an-image';
  return 'decode-failed';
}

/**
 * libvips loses its message when several images decode at once ("Unknown error"); the header read fine, so
 * the pixel data is what is broken: say that rather than nothing.
 */
function pixelError(err: unknown, format: string): string {
  const msg = distinctLines(err).split('; ')[0];
  if (msg && !/^unknown error$/i.test(msg)) return msg;
  return `corrupt or truncated ${format ? `${format.toUpperCase()} ` : ''}image (its pixel data cannot be decoded)`;
}

/** libvips repeats a line per attempt ("VipsJpeg: Unsupported marker type 0x20" three times): each once, in one line. */
export function distinctLines(err: unknown): string {
  const lines = String(err instanceof Error ? err.message : err)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const unique = [...new Set(lines)];
  // "Input buffer has corrupt header: VipsJpeg: X" then "VipsJpeg: X" again: the longer line says it all.
  return unique.filter((l) => !unique.some((m) => m !== l && m.includes(l))).join('; ');
}
