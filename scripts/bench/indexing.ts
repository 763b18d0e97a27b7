// `npm run bench -- indexing [--n 10000] [--sweep 1000] [--concurrency 4]`
// Indexes N synthetic 300×450 JPEG posters (tutorial layout, generated once and cached under the OS temp dir)
// from cold into a temp data folder: posters/s, time until the first 100 rows are visible to another
// connection, and the time to re-open (re-index an unchanged library). --sweep M first times cold indexing of
// M posters at several concurrencies.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import Database from 'better-sqlite3';
import { openDatabase } from '../../main/db/database';
import { indexLibrary } from '../../main/library/indexer';
import { openLibrary } from '../../main/library/library-repo';
import { queryPosters } from '../../main/library/gallery-queries';
import { standaloneJobContext } from '../../main/jobs/types';

const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi', 'Thriller'];
const W = 300;
const H = 450;

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

/** A poster-like picture: smooth colour waves plus grain, so JPEG sizes (~35 KB) resemble real posters. */
function posterPixels(seed: number): Buffer {
  const raw = Buffer.alloc(W * H * 3);
  let s = seed * 7919 + 1;
  const fx = 10 + (seed % 17),
    fy = 20 + (seed % 23),
    ph = seed % 360;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const n = (s >> 16) % 24;
      const i = (y * W + x) * 3;
      raw[i] = 120 + 70 * Math.sin(x / fx + y / fy + ph) + n;
      raw[i + 1] = 100 + 60 * Math.sin(y / fy + ph / 2) + n;
      raw[i + 2] = 90 + 80 * Math.cos(x / fx - ph) + n;
    }
  }
  return raw;
}

/** Generates (once) `n` posters with a metadata.csv; reused across runs. */
async function posterSet(n: number): Promise<string> {
  const root = path.join(os.tmpdir(), `poster-tagger-bench-${n}`);
  const marker = path.join(root, '.complete');
  if (fs.existsSync(marker)) return root;
  fs.rmSync(root, { recursive: true, force: true });
  const dir = path.join(root, 'train');
  fs.mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const lines = [['Id', 'Genre', ...GENRES].join(',')];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await sharp(posterPixels(i), { raw: { width: W, height: H, channels: 3 } })
        .jpeg({ quality: 85 })
        .toFile(path.join(dir, `tt${String(i).padStart(7, '0')}.jpg`));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  for (let i = 0; i < n; i++) {
    const gs = GENRES.filter((_, g) => (i >> g) % 3 === 0);
    lines.push([`tt${String(i).padStart(7, '0')}`, `"[${gs.map((g) => `'${g}'`).join(', ')}]"`, ...GENRES.map((g) => (gs.includes(g) ? 1 : 0))].join(','));
  }
  fs.writeFileSync(path.join(dir, 'metadata.csv'), lines.join('\n') + '\n');
  fs.writeFileSync(marker, String(n));
  console.log(`generated ${n} posters in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${root}`);
  return root;
}

interface ColdRun {
  ms: number;
  cpuMs: number;
  rate: number;
  first100: number | null;
  firstBatch: number | null;
  scanMs: number | null;
}

async function coldIndex(root: string, concurrency: number | undefined, dataDir: string): Promise<ColdRun> {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const dbFile = path.join(dataDir, 'db.sqlite');
  const db = openDatabase(dbFile);
  const lib = openLibrary(db, root);
  // A second connection, as the gallery would read: rows count as visible once committed.
  const reader = new Database(dbFile, { readonly: true });
  const count = reader.prepare('SELECT COUNT(*) FROM images WHERE library_id = ?').pluck();
  let first100: number | null = null;
  let firstBatch: number | null = null;
  let scanMs: number | null = null;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const poll = setInterval(() => {
    if (first100 === null && (count.get(lib.id) as number) >= 100) first100 = performance.now() - t0;
  }, 5);
  const ctx = standaloneJobContext({
    onProgress: (p) => {
      if (scanMs === null && p.phase === 'Reading posters') scanMs = performance.now() - t0;
    },
  });
  const res = await indexLibrary(db, lib.id, ctx, {
    thumbnailsDir: path.join(dataDir, 'thumbnails'),
    concurrency,
    onBatch: (n) => {
      if (firstBatch === null) firstBatch = performance.now() - t0;
      if (first100 === null && n >= 100) first100 = performance.now() - t0;
    },
  });
  clearInterval(poll);
  const cpu = process.cpuUsage(cpu0);
  reader.close();
  db.close();
  return { ms: res.ms, cpuMs: (cpu.user + cpu.system) / 1000, rate: res.processed / (res.ms / 1000), first100, firstBatch, scanMs };
}

function table(rows: (string | number)[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const r of rows) console.log(r.map((v, c) => String(v).padEnd(widths[c])).join('  '));
}

export async function main(argv: string[]): Promise<void> {
  const n = Number(arg(argv, 'n', '10000'));
  const sweep = Number(arg(argv, 'sweep', '0'));
  const conc = argv.includes('--concurrency') ? Number(arg(argv, 'concurrency', '4')) : undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-bench-index-'));
  try {
    console.log(
      `cpus: ${os.availableParallelism()}, UV_THREADPOOL_SIZE: ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, sharp concurrency: ${sharp.concurrency()}`,
    );
    if (sweep > 0) {
      const small = await posterSet(sweep);
      // CPU time counts every thread of this process: cpu/wall above 1 means both cores worked.
      const rows: (string | number)[][] = [['in flight', 'posters/s', 'wall s', 'cpu s', 'cpu/wall']];
      for (const c of [1, 2, 4, 8]) {
        const r = await coldIndex(small, c, path.join(scratch, `sweep-${c}`));
        rows.push([c, r.rate.toFixed(0), (r.ms / 1000).toFixed(2), (r.cpuMs / 1000).toFixed(2), (r.cpuMs / r.ms).toFixed(2)]);
      }
      console.log(`\ncold indexing of ${sweep} posters by images in flight:`);
      table(rows);
    }

    const root = await posterSet(n);
    const dataDir = path.join(scratch, 'main');
    const cold = await coldIndex(root, conc, dataDir);

    // Re-open: a new process would open the database and re-index; nothing changed on disk.
    const t1 = performance.now();
    const db = openDatabase(path.join(dataDir, 'db.sqlite'));
    const lib = openLibrary(db, root);
    queryPosters(db, { libraryId: lib.id, limit: 100 });
    const pageMs = performance.now() - t1;
    const re = await indexLibrary(db, lib.id, standaloneJobContext(), { thumbnailsDir: path.join(dataDir, 'thumbnails') });
    const reopenMs = performance.now() - t1;
    const q0 = performance.now();
    const filtered = queryPosters(db, { libraryId: lib.id, genres: ['Drama', 'Horror'], genreMode: 'all', split: 'train', limit: 200, offset: 1000 });
    const queryMs = performance.now() - q0;
    db.close();
    const thumbs = fs.readdirSync(path.join(dataDir, 'thumbnails')).reduce((a, d) => a + fs.readdirSync(path.join(dataDir, 'thumbnails', d)).length, 0);

    console.log(`\nindexing ${n} posters (300×450 JPEG), concurrency ${conc ?? 'default'}:`);
    table([
      ['measure', 'value'],
      ['cold index total', `${(cold.ms / 1000).toFixed(1)} s`],
      ['posters/s (cold)', cold.rate.toFixed(0)],
      ['cpu / wall (cold)', (cold.cpuMs / cold.ms).toFixed(2)],
      ['scan + CSV before first decode', `${cold.scanMs?.toFixed(0)} ms`],
      ['first batch committed', `${cold.firstBatch?.toFixed(0)} ms`],
      ['first 100 rows visible', `${cold.first100?.toFixed(0)} ms`],
      ['re-open: first page of 100 (before re-index)', `${pageMs.toFixed(0)} ms`],
      ['re-open: re-index unchanged library', `${reopenMs.toFixed(0)} ms (${re.processed} read, ${re.unchanged} unchanged)`],
      ['filtered page (2 genres all, split, offset 1000)', `${queryMs.toFixed(1)} ms, total ${filtered.total}`],
      ['thumbnails on disk', thumbs],
    ]);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module)
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
