import fs from 'node:fs';
import type { ImageFormat } from './types';

/** Extensions that promise an image: such a file that is not one is reported, not silently skipped. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp']);
/** Image formats we recognise but do not accept (reported as unsupported). */
const OTHER_IMAGE_EXTENSIONS = new Set(['.gif', '.bmp', '.tif', '.tiff', '.heic', '.heif', '.avif']);

/** Should a file with this extension be sniffed at all? Files without an extension may be images too. */
export function isCandidateExtension(ext: string): boolean {
  const e = ext.toLowerCase();
  return e === '' || IMAGE_EXTENSIONS.has(e) || OTHER_IMAGE_EXTENSIONS.has(e);
}

/** The format from a file's first bytes (magic numbers), or null. */
export function sniffFormat(head: Uint8Array): ImageFormat | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (
    head.length >= 8 &&
    head[0] === 0x89 &&
    head[1] === 0x50 &&
    head[2] === 0x4e &&
    head[3] === 0x47 &&
    head[4] === 0x0d &&
    head[5] === 0x0a &&
    head[6] === 0x1a &&
    head[7] === 0x0a
  )
    return 'png';
  if (
    head.length >= 12 &&
    String.fromCharCode(head[0], head[1], head[2], head[3]) === 'RIFF' &&
    String.fromCharCode(head[8], head[9], head[10], head[11]) === 'WEBP'
  )
    return 'webp';
  return null;
}

export type SniffResult = { format: ImageFormat } | { format: null; problem: string; unreadable?: boolean };

/** Reads the first bytes of a file and names its format, or says why it is not a usable image. */
export async function sniffFile(file: string): Promise<SniffResult> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, 'r');
    const head = new Uint8Array(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead === 0) return { format: null, problem: 'empty file (0 bytes)' };
    const format = sniffFormat(head.subarray(0, bytesRead));
    if (format) return { format };
    return { format: null, problem: 'not a JPEG, PNG or WebP image' };
  } catch (err) {
    return { format: null, problem: `cannot read file: ${(err as Error).message}`, unreadable: true };
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
