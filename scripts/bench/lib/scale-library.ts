// A big generated poster library for the scale benchmark: tiny JPEGs (sizes and colours vary) in the
// tutorial layout, with a skewed genre mix like real posters. Generated once per size and reused.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../../../main/ml/random';

/** Twenty genres, most common first, with roughly the share of posters that carry each. */
export const SCALE_GENRES: readonly [string, number][] = [
  ['Drama', 0.5],
  ['Comedy', 0.33],
  ['Action', 0.2],
  ['Romance', 0.16],
  ['Thriller', 0.15],
  ['Crime', 0.13],
  ['Adventure', 0.1],
  ['Horror', 0.09],
  ['Mystery', 0.06],
  ['Fantasy', 0.05],
  ['Sci-Fi', 0.05],
  ['Family', 0.04],
  ['Biography', 0.04],
  ['Animation', 0.03],
  ['History', 0.03],
  ['Music', 0.02],
  ['War', 0.02],
  ['Sport', 0.015],
  ['Musical', 0.01],
  ['Western', 0.005],
];

/** Share of posters per split folder; predict/ has no metadata.csv (unlabelled), as in the tutorial. */
const SPLITS: [string, number][] = [
  ['train', 0.6],
  ['val', 0.15],
  ['test', 0.05],
  ['predict', 0.2],
];
/** One file in this many is a truncated JPEG, so the "broken" filter has something to find. */
const BROKEN_EVERY = 500;

/** Distinct little pictures (gradients in varied colours and 2:3-ish sizes) that the posters are made of. */
async function basePictures(count: number): Promise<Buffer[]> {
  const rand = seededRandom(7);
  const out: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const width = 20 + Math.floor(rand() * 40);
    const height = Math.round(width * (1.3 + rand() * 0.4));
    const [r, g, b] = [rand(), rand(), rand()].map((v) => Math.floor(v * 255));
    const raw = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        raw[i] = (r + x * 3) & 255;
        raw[i + 1] = (g + y * 2) & 255;
        raw[i + 2] = (b + (x ^ y)) & 255;
      }
    out.push(
      await sharp(raw, { raw: { width, height, channels: 3 } })
        .jpeg({ quality: 80 })
        .toBuffer(),
    );
  }
  return out;
}

/** The picture with a JPEG comment right after SOI naming the poster: the same pixels, distinct content (hash). */
function withComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const seg = Buffer.alloc(4 + body.length);
  seg[0] = 0xff;
  seg[1] = 0xfe;
  seg.writeUInt16BE(body.length + 2, 2);
  body.copy(seg, 4);
  return Buffer.concat([jpeg.subarray(0, 2), seg, jpeg.subarray(2)]);
}

export interface ScaleLibrary {
  root: string;
  posters: number;
  labelled: number;
  broken: number;
}

/** `n` posters under `root` (written once: a `.complete` marker says the set is whole). */
export async function scaleLibrary(root: string, n: number): Promise<ScaleLibrary> {
  const marker = path.join(root, '.complete');
  if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8')) as ScaleLibrary;
  fs.rmSync(root, { recursive: true, force: true });
  const bases = await basePictures(256);
  const rand = seededRandom(n);
  const csv = new Map<string, string[]>();
  let i = 0;
  let labelled = 0;
  let broken = 0;
  for (const [split, share] of SPLITS) {
    const dir = path.join(root, split);
    fs.mkdirSync(dir, { recursive: true });
    const lines = [['Id', 'Genre', ...SCALE_GENRES.map(([g]) => g)].join(',')];
    const count = split === 'predict' ? n - i : Math.round(n * share);
    for (let k = 0; k < count; k++, i++) {
      const id = `tt${String(i).padStart(7, '0')}`;
      let bytes = withComment(bases[Math.floor(rand() * bases.length)], `poster ${id}`);
      if (i % BROKEN_EVERY === BROKEN_EVERY - 1) {
        bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
        broken++;
      }
      fs.writeFileSync(path.join(dir, `${id}.jpg`), bytes);
      if (split === 'predict') continue;
      let gs = SCALE_GENRES.filter(([, p]) => rand() < p).map(([g]) => g);
      if (gs.length === 0) gs = [SCALE_GENRES[Math.floor(rand() * 5)][0]];
      labelled++;
      lines.push([id, `"[${gs.map((g) => `'${g}'`).join(', ')}]"`, ...SCALE_GENRES.map(([g]) => (gs.includes(g) ? 1 : 0))].join(','));
    }
    if (split !== 'predict') csv.set(split, lines);
  }
  for (const [split, lines] of csv) fs.writeFileSync(path.join(root, split, 'metadata.csv'), lines.join('\n') + '\n');
  const info: ScaleLibrary = { root, posters: n, labelled, broken };
  fs.writeFileSync(marker, JSON.stringify(info));
  return info;
}
