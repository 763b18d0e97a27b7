// Fixtures for the library tests: tiny generated images in temp folders (never the real posters).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { openDatabase, type Db } from '../../../main/db/database';

/** A distinct colour per seed, so every generated image has its own content hash. */
function colour(seed: number) {
  return { r: (seed * 37) % 256, g: (seed * 91 + 40) % 256, b: (seed * 53 + 120) % 256 };
}

export async function imageBytes(format: 'jpeg' | 'png' | 'webp', seed = 1, width = 24, height = 36): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: colour(seed) } });
  return format === 'jpeg' ? img.jpeg().toBuffer() : format === 'png' ? img.png().toBuffer() : img.webp().toBuffer();
}

export async function writeImage(file: string, format: 'jpeg' | 'png' | 'webp' = 'jpeg', seed = 1, width = 24, height = 36): Promise<Buffer> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const buf = await imageBytes(format, seed, width, height);
  fs.writeFileSync(file, buf);
  return buf;
}

export function writeText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** A JPEG cut in half: the header reads fine, decoding fails. */
export async function writeTruncatedJpeg(file: string, seed = 99): Promise<void> {
  const buf = await imageBytes('jpeg', seed, 64, 64);
  writeText(file, '');
  fs.writeFileSync(file, buf.subarray(0, Math.floor(buf.length / 2)));
}

/** A small JPEG whose header claims 20000×20000 px (decoding it for real would need 1.2 GB). */
export async function writeHugeHeaderJpeg(file: string): Promise<void> {
  const buf = Buffer.from(await imageBytes('jpeg', 7, 16, 16));
  for (let i = 2; i < buf.length - 9; i++) {
    if (buf[i] === 0xff && (buf[i + 1] === 0xc0 || buf[i + 1] === 0xc2)) {
      buf.writeUInt16BE(20000, i + 5); // height
      buf.writeUInt16BE(20000, i + 7); // width
      break;
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, buf);
}

export function testDb(dir: string): Db {
  return openDatabase(path.join(dir, 'test.sqlite'));
}

/** The tutorial layout's CSV header for a few genres. */
export function metadataCsv(genres: string[], rows: [string, string[]][], eol = '\n'): string {
  const lines = [['Id', 'Genre', ...genres].join(',')];
  for (const [id, gs] of rows) {
    const list = `"[${gs.map((g) => `'${g}'`).join(', ')}]"`;
    lines.push([id, list, ...genres.map((g) => (gs.includes(g) ? '1' : '0'))].join(','));
  }
  return lines.join(eol) + eol;
}
