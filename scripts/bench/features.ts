// Feature pipeline benchmark: `node --import tsx scripts/bench/index.ts features [--dataset DIR] [--backbone ID]`
// For each backbone: the whole pipeline (read, hash, decode, resize, embed in a worker, store) on the
// dataset's train+val (128×128) and full-size predict posters, against the bare engines on pre-decoded
// pixels in the same run. Options: --bare-images N (256), --tfjs-images N (32), --batch N, --threads N,
// --decode-concurrency N, --synthetic N (also embed N generated 300×450 posters, for memory at scale),
// --variants float32,int8 (each backbone's weights; default both where the int8 model is installed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { projectRoot } from '../../main/core/project-root';
import { openDatabase } from '../../main/db/database';
import { standaloneJobContext } from '../../main/jobs/types';
import { openBackbone } from '../../main/ml/backbones/open';
import { BACKBONES, availableBackbones } from '../../main/ml/backbones/registry';
import type { BackboneVariant } from '../../main/ml/backbones/types';
import { decodeViews } from '../../main/ml/features/decode';
import { defaultBatchSize, embedImages, type EmbedItem, type EmbedOptions } from '../../main/ml/features/pipeline';
import { rssSampler } from './lib/rss';

interface Args {
  dataset?: string;
  /** Internal: write this process's rows here (one child process per backbone, so peak RSS is per backbone). */
  jsonOut?: string;
  backbones: string[];
  bareImages: number;
  tfjsImages: number;
  synthetic: number;
  pipeline: EmbedOptions;
  variants: BackboneVariant[];
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string) => (get(name) === undefined ? undefined : Number(get(name)));
  const fallback = path.resolve(projectRoot(), '..', 'shared', 'movie_posters');
  return {
    dataset: get('dataset') ?? (fs.existsSync(fallback) ? fallback : undefined),
    jsonOut: get('json-out'),
    backbones: get('backbone') ? get('backbone')!.split(',') : BACKBONES.map((b) => b.id).reverse(),
    bareImages: num('bare-images') ?? 256,
    tfjsImages: num('tfjs-images') ?? 32,
    synthetic: num('synthetic') ?? 0,
    pipeline: { batchSize: num('batch'), threads: num('threads'), decodeConcurrency: num('decode-concurrency') },
    variants: (get('variants') ?? 'float32,int8').split(',').filter((v): v is BackboneVariant => v === 'float32' || v === 'int8'),
  };
}

function images(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

interface Row {
  backbone: string;
  stage: string;
  images: number;
  seconds: number;
  peakRssMb?: number;
  note?: string;
}

async function pipelineStage(backbone: string, stage: string, files: string[], dbFile: string, opts: EmbedOptions, note?: string): Promise<Row> {
  const db = openDatabase(dbFile);
  const items: EmbedItem[] = files.map((p) => ({ path: p }));
  const stop = rssSampler();
  const r = await embedImages(db, items, backbone, standaloneJobContext(), opts);
  const peak = stop();
  db.close();
  const extra = r.failed.length ? `${r.failed.length} failed (${r.failed[0].reason})` : '';
  backbone = label(backbone, opts.variant ?? 'float32');
  const load = r.loadSeconds > 0 ? `load ${r.loadSeconds.toFixed(2)} s, then ${(r.embedded / (r.seconds - r.loadSeconds)).toFixed(1)}/s` : '';
  return {
    backbone,
    stage,
    images: files.length,
    seconds: r.seconds,
    peakRssMb: peak / 1e6,
    note: [note, `${r.embedded} embedded, ${r.cached} cached`, load, extra].filter(Boolean).join('; '),
  };
}

/** The engine alone: pixels decoded beforehand, batches fed back to back on this thread. */
async function bareStage(
  backbone: string,
  engine: 'onnxruntime' | 'tfjs',
  files: string[],
  batchSize: number | undefined,
  threads?: number,
  variant: BackboneVariant = 'float32',
): Promise<Row> {
  const b = await openBackbone(backbone, { engine, threads, variant });
  const batch = batchSize ?? defaultBatchSize(b.spec);
  try {
    const size = b.spec.inputSize;
    const per = size * size * 3;
    const pixels = new Uint8Array(files.length * per);
    for (let i = 0; i < files.length; i++) pixels.set((await decodeViews(fs.readFileSync(files[i]), size, ['original'])).get('original')!, i * per);
    const warm = Math.min(batch, files.length);
    await b.embed(pixels.slice(0, warm * per), warm);
    const stop = rssSampler();
    const t = performance.now();
    for (let i = 0; i < files.length; i += batch) {
      const n = Math.min(batch, files.length - i);
      await b.embed(pixels.subarray(i * per, (i + n) * per), n);
    }
    const seconds = (performance.now() - t) / 1000;
    return {
      backbone: label(backbone, variant),
      stage: `bare ${engine === 'onnxruntime' ? 'ONNX Runtime' : 'TF.js'} (pre-decoded)`,
      images: files.length,
      seconds,
      peakRssMb: stop() / 1e6,
      note: `batch ${batch}`,
    };
  } finally {
    await b.dispose();
  }
}

async function syntheticPosters(dir: string, count: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const w = 300;
  const h = 450;
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `synthetic-${i}.jpg`);
    // A smooth gradient plus a per-file colour: realistic JPEG sizes, distinct content hashes.
    await sharp({ create: { width: w, height: h, channels: 3, background: { r: i % 256, g: (i >> 8) % 256, b: 128 } } })
      .composite([
        {
          input: Buffer.from(
            `<svg width="${w}" height="${h}"><rect x="${i % 200}" y="${i % 300}" width="120" height="160" fill="#fff"/><text x="20" y="420" font-size="40">${i}</text></svg>`,
          ),
        },
      ])
      .jpeg({ quality: 85 })
      .toFile(file);
    files.push(file);
  }
  return files;
}

function printTable(rows: Row[], bare: Map<string, number>): void {
  const header = ['backbone', 'stage', 'images', 'seconds', 'images/s', 'vs bare ORT', 'peak RSS MB', 'note'];
  const body = rows.map((r) => {
    const ips = r.images / r.seconds;
    const base = bare.get(r.backbone);
    return [
      r.backbone,
      r.stage,
      String(r.images),
      r.seconds.toFixed(2),
      ips.toFixed(1),
      base && !r.stage.startsWith('bare ONNX') ? `${((ips / base) * 100).toFixed(0)}%` : '',
      r.peakRssMb ? r.peakRssMb.toFixed(0) : '',
      r.note ?? '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const b of body) console.log(line(b));
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (!args.dataset && !args.synthetic) throw new Error('No dataset: pass --dataset DIR (with train/, val/, predict/) or --synthetic N');
  if (args.jsonOut) {
    fs.writeFileSync(args.jsonOut, JSON.stringify(await runBackbone(args, args.backbones[0])));
    return;
  }
  console.log(
    `dataset ${args.dataset ?? '(none)'}; ${os.availableParallelism()} cores; load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const rows: Row[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-features-rows-'));
  try {
    for (const id of args.backbones) {
      // Each backbone in a fresh process: RSS never goes back down, so a shared process would blur the peaks.
      const out = path.join(tmp, `${id}.json`);
      const rest = argv.filter((_, i) => !['--backbone', '--dataset'].includes(argv[i]) && !['--backbone', '--dataset'].includes(argv[i - 1]));
      const child = spawnSync(
        process.execPath,
        [
          ...process.execArgv,
          path.join(__dirname, 'index.ts'),
          'features',
          '--backbone',
          id,
          '--json-out',
          out,
          ...(args.dataset ? ['--dataset', args.dataset] : []),
          ...rest,
        ],
        {
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      if (child.status !== 0 || !fs.existsSync(out)) throw new Error(`benchmark of ${id} failed (exit ${child.status})`);
      rows.push(...(JSON.parse(fs.readFileSync(out, 'utf8')) as Row[]));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const bare = new Map(rows.filter((r) => r.stage.startsWith('bare ONNX')).map((r) => [r.backbone, r.images / r.seconds]));
  console.log();
  printTable(rows, bare);
  console.log(
    `\nload ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log('targets: pipeline ≥ 80% of bare ONNX Runtime; train+val cold < 40 s (mobilenet_v2), < 4 min (inception_v3); all cached < 2 s; RSS < 1 GB');
}

/** A row's backbone column: the id, marked when int8. */
function label(id: string, variant: BackboneVariant): string {
  return variant === 'int8' ? `${id} int8` : id;
}

/** All stages of one backbone in each variant, in this process. */
async function runBackbone(args: Args, id: string): Promise<Row[]> {
  const int8 = availableBackbones().find((a) => a.id === id)?.int8 ?? false;
  const rows: Row[] = [];
  for (const variant of args.variants) {
    if (variant === 'int8' && !int8) console.log(`  ${id}: no checked int8 model; int8 skipped`);
    else rows.push(...(await runVariant(args, id, variant)));
  }
  return rows;
}

async function runVariant(args: Args, id: string, variant: BackboneVariant): Promise<Row[]> {
  const trainVal = args.dataset ? [...images(path.join(args.dataset, 'train')), ...images(path.join(args.dataset, 'val'))] : [];
  const predict = args.dataset ? images(path.join(args.dataset, 'predict')) : [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-features-'));
  const rows: Row[] = [];
  const log = (r: Row) => {
    rows.push(r);
    console.log(
      `  ${id}: ${r.stage}: ${r.images} in ${r.seconds.toFixed(2)} s (${(r.images / r.seconds).toFixed(1)}/s), peak RSS ${r.peakRssMb?.toFixed(0)} MB; load ${os.loadavg()[0].toFixed(1)}`,
    );
  };
  try {
    // keepWorkerMs 0: every cold stage really starts cold.
    const opts: EmbedOptions = { ...args.pipeline, engine: 'onnxruntime', keepWorkerMs: 0, variant };
    // Pipeline first, so its peak RSS is not inflated by the bare engines' sessions.
    if (trainVal.length) {
      const dbFile = path.join(tmp, 'trainval.sqlite');
      log(await pipelineStage(id, 'pipeline train+val, cold', trainVal, dbFile, opts, 'incl. worker start'));
      log(await pipelineStage(id, 'pipeline train+val, all cached', trainVal, dbFile, opts));
    }
    if (predict.length) log(await pipelineStage(id, 'pipeline predict (full size), cold', predict, path.join(tmp, 'predict.sqlite'), opts));
    if (args.synthetic) {
      const files = await syntheticPosters(path.join(tmp, 'synthetic'), args.synthetic);
      log(await pipelineStage(id, `pipeline ${args.synthetic} generated 300×450, cold`, files, path.join(tmp, 'synthetic.sqlite'), opts));
    }
    const sample = (trainVal.length ? trainVal : predict).slice(0, args.bareImages);
    if (sample.length) {
      log(await bareStage(id, 'onnxruntime', sample, args.pipeline.batchSize, args.pipeline.threads, variant));
      if (args.tfjsImages > 0 && variant === 'float32') {
        const sub = sample.slice(0, args.tfjsImages);
        log(await bareStage(id, 'tfjs', sub, Math.min(8, sub.length)));
        log(
          await pipelineStage(
            id,
            'pipeline on TF.js, cold',
            sub,
            path.join(tmp, 'tfjs.sqlite'),
            { ...opts, engine: 'tfjs', batchSize: 8 },
            'incl. worker start',
          ),
        );
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
