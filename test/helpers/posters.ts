// Generated poster datasets for integration and e2e tests (never the real, copyrighted posters).
// Each genre paints its own colour band and shape, so a classifier can really learn the labels.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../../main/ml/random';

export const FIXTURE_GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance'];
const COLOURS: Record<string, [number, number, number]> = {
  Action: [220, 40, 30],
  Comedy: [250, 210, 40],
  Drama: [40, 70, 200],
  Horror: [20, 20, 20],
  Romance: [240, 120, 190],
};

/** Seeded pseudo-random numbers, so fixtures are the same on every run. */
export const rng = seededRandom;

/** A poster whose picture encodes its genres: one stripe per genre on a noisy background. */
export async function posterJpeg(genres: string[], seed: number, width = 96, height = 144): Promise<Buffer> {
  const rand = rng(seed);
  const bg = [0, 0, 0].map(() => 90 + Math.floor(rand() * 80));
  const stripes = genres.map((g, i) => {
    const [r, gg, b] = COLOURS[g] ?? [128, 128, 128];
    const top = Math.floor((height / Math.max(genres.length, 1)) * i);
    const h = Math.ceil(height / Math.max(genres.length, 1));
    return { input: { create: { width, height: h, channels: 3 as const, background: { r, g: gg, b } } }, top, left: 0 };
  });
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rand() * 40);
  return sharp({ create: { width, height, channels: 3, background: { r: bg[0], g: bg[1], b: bg[2] } } })
    .composite([...stripes, { input: noise, raw: { width, height, channels: 3 }, blend: 'add' }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * A 2:3 picture whose left and right halves differ, so a flip is visible, dark at the top and bright blue at
 * the bottom (decode tests check both); `seed` varies the colours. Not a genre poster: see posterJpeg.
 */
export async function twoHalvesJpeg(seed: number, width = 40, height = 60): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const left = x < width / 2;
      raw[i] = left ? (seed * 37) % 256 : 255 - ((seed * 37) % 256);
      raw[i + 1] = left ? 40 : 200;
      raw[i + 2] = Math.floor((y / height) * 255);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

export interface FixturePoster {
  id: string;
  genres: string[];
}

function pickGenres(rand: () => number, genres: string[]): string[] {
  const chosen = genres.filter(() => rand() < 0.3);
  return chosen.length ? chosen : [genres[Math.floor(rand() * genres.length)]];
}

/** Writes the tutorial layout: <root>/<split>/<Id>.jpg and <root>/<split>/metadata.csv. */
export async function makeTutorialLibrary(
  root: string,
  opts: { train?: number; val?: number; genres?: string[]; seed?: number; size?: [number, number] } = {},
): Promise<Record<string, FixturePoster[]>> {
  const genres = opts.genres ?? FIXTURE_GENRES;
  const rand = rng(opts.seed ?? 1);
  const out: Record<string, FixturePoster[]> = {};
  let n = 0;
  for (const [split, count] of [
    ['train', opts.train ?? 24],
    ['val', opts.val ?? 8],
  ] as const) {
    const dir = path.join(root, split);
    fs.mkdirSync(dir, { recursive: true });
    const posters: FixturePoster[] = [];
    for (let i = 0; i < count; i++) {
      const id = `tt${String(1000000 + n++).padStart(7, '0')}`;
      const g = pickGenres(rand, genres);
      posters.push({ id, genres: g });
      fs.writeFileSync(path.join(dir, `${id}.jpg`), await posterJpeg(g, n, ...(opts.size ?? [96, 144])));
    }
    const header = ['Id', 'Genre', ...genres].join(',');
    const rows = posters.map((p) => [p.id, `"[${p.genres.map((g) => `'${g}'`).join(', ')}]"`, ...genres.map((g) => (p.genres.includes(g) ? 1 : 0))].join(','));
    fs.writeFileSync(path.join(dir, 'metadata.csv'), [header, ...rows].join('\n') + '\n');
    out[split] = posters;
  }
  return out;
}

/** A picture of its own per seed: a smooth field of colours blown up from a random 4×6 grid (near-duplicate tests). */
export async function sceneJpeg(seed: number): Promise<Buffer> {
  let s = seed * 7919 + 13;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const grid = Buffer.from(Array.from({ length: 4 * 6 * 3 }, () => Math.floor(rand() * 256)));
  return sharp(grid, { raw: { width: 4, height: 6, channels: 3 } })
    .resize(200, 300, { kernel: 'cubic' })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Adds a labelled poster file to a split folder of a tutorial layout made by makeTutorialLibrary (and its metadata.csv row). */
export function addTutorialPoster(root: string, split: 'train' | 'val', id: string, jpeg: Buffer, genre = 'Drama'): void {
  fs.writeFileSync(path.join(root, split, `${id}.jpg`), jpeg);
  const csv = path.join(root, split, 'metadata.csv');
  const header = fs.readFileSync(csv, 'utf8').split('\n')[0].split(',');
  const row = [id, `"['${genre}']"`, ...header.slice(2).map((g) => (g === genre ? 1 : 0))].join(',');
  fs.appendFileSync(csv, `${row}\n`);
}

/** Scenes 1–3 in train; in val a re-encode (JPEG q35) and a 60% resize of scene 1, a 10% crop of scene 2, and scenes 4–6 with no copy. */
export async function addLeakingScenes(root: string): Promise<void> {
  for (const i of [1, 2, 3]) addTutorialPoster(root, 'train', `scene-${i}`, await sceneJpeg(i));
  const s1 = await sceneJpeg(1);
  addTutorialPoster(root, 'val', 'scene-1-reencoded', await sharp(s1).jpeg({ quality: 35 }).toBuffer());
  addTutorialPoster(root, 'val', 'scene-1-small', await sharp(s1).resize(120, 180).jpeg({ quality: 80 }).toBuffer());
  addTutorialPoster(
    root,
    'val',
    'scene-2-cropped',
    await sharp(await sceneJpeg(2))
      .extract({ left: 10, top: 15, width: 180, height: 270 })
      .jpeg()
      .toBuffer(),
  );
  for (const i of [4, 5, 6]) addTutorialPoster(root, 'val', `scene-${i}`, await sceneJpeg(i));
}
