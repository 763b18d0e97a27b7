// Helpers shared by the feature-pipeline tests: temp folders, a fresh database, generated posters.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openDatabase, type Db } from '../../../../main/db/database';
import { twoHalvesJpeg } from '../../../helpers/posters';

export const FAKE_MODULE = path.resolve(__dirname, '../../../../main/ml/features/fake-backbone.ts');

export interface Sandbox {
  dir: string;
  db: Db;
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poster-features-'));
  const db = openDatabase(path.join(dir, 'test.sqlite'));
  return {
    dir,
    db,
    cleanup() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function writePosters(dir: string, count: number, offset = 0): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `poster-${offset + i}.jpg`);
    fs.writeFileSync(file, await twoHalvesJpeg(offset + i));
    files.push(file);
  }
  return files;
}

/**
 * A real JPEG header announcing width×height (a decompression bomb): a small JPEG with its SOF
 * dimensions patched. Decoders read the header and must refuse it before allocating pixels.
 */
export async function hugeHeaderJpeg(width = 20000, height = 20000): Promise<Buffer> {
  const buf = Buffer.from(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer(),
  );
  for (let i = 2; i < buf.length - 9; i++) {
    if (buf[i] === 0xff && buf[i + 1] >= 0xc0 && buf[i + 1] <= 0xc2) {
      buf.writeUInt16BE(height, i + 5);
      buf.writeUInt16BE(width, i + 7);
      return buf;
    }
  }
  throw new Error('no SOF marker');
}
