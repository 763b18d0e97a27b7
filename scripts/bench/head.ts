// `npm run bench -- head [--posters DIR] [--size 16] [--epochs 30] [--only real|timing]`
// Head quality on a cheap proxy (tiny colour thumbnails of the real posters as "embeddings") against
// the trivial baselines, and the training time on 3,000 random 2048-d embeddings. Nothing is written.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { parse } from 'csv-parse/sync';
import { trainHead, type TrainResult } from '../../main/ml/train';
import { loadTf } from '../../main/ml/tf';
import { seededRandom } from '../../main/ml/random';
import type { EmbeddingSet } from '../../main/ml/dataset';
import type { HeadKind } from '../../main/ml/head';
import { trainConfig } from '../../main/ml/head';

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

async function thumbnailSet(dir: string, size: number): Promise<{ set: EmbeddingSet; genres: string[] }> {
  const rows = parse(fs.readFileSync(path.join(dir, 'metadata.csv')), { columns: false, skip_empty_lines: true }) as string[][];
  const [header, ...data] = rows;
  const genres = header.slice(2);
  const dim = size * size * 3;
  const x = new Float32Array(data.length * dim);
  const xFlip = new Float32Array(data.length * dim);
  const y = new Uint8Array(data.length * genres.length);
  for (let i = 0; i < data.length; i++) {
    const img = sharp(path.join(dir, `${data[i][0]}.jpg`))
      .resize(size, size, { fit: 'fill' })
      .removeAlpha();
    const [orig, flip] = await Promise.all([img.clone().raw().toBuffer(), img.clone().flop().raw().toBuffer()]);
    for (let d = 0; d < dim; d++) {
      x[i * dim + d] = orig[d] / 255;
      xFlip[i * dim + d] = flip[d] / 255;
    }
    for (let j = 0; j < genres.length; j++) y[i * genres.length + j] = data[i][2 + j] === '1' ? 1 : 0;
  }
  return { set: { x, y, n: data.length, xFlip }, genres };
}

const fmt = (v: number) => v.toFixed(3);

function row(name: string, r: { mAP: number; microF1: number; macroF1: number; samplesF1: number }): string {
  return `${name.padEnd(34)} mAP ${fmt(r.mAP)}  micro-F1 ${fmt(r.microF1)}  macro-F1 ${fmt(r.macroF1)}  samples-F1 ${fmt(r.samplesF1)}`;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return Math.round((u.user + u.system) / 1000);
}

async function real(argv: string[]): Promise<void> {
  const root = arg(argv, 'posters', '/work/shared/movie_posters');
  const size = Number(arg(argv, 'size', '16'));
  const epochs = Number(arg(argv, 'epochs', '30'));
  const t0 = Date.now();
  const train = await thumbnailSet(path.join(root, 'train'), size);
  const val = await thumbnailSet(path.join(root, 'val'), size);
  console.log(
    `proxy embeddings: ${size}×${size} RGB thumbnails (${size * size * 3} values), train ${train.set.n}, val ${val.set.n}, built in ${Date.now() - t0} ms`,
  );
  const results: [string, TrainResult][] = [];
  for (const head of ['baseline', 'default'] as HeadKind[]) {
    const c0 = process.cpuUsage();
    const w0 = Date.now();
    const res = await trainHead({ train: train.set, val: val.set, genres: train.genres, config: trainConfig({ head, epochs, seed: 1 }) });
    console.log(`${head}: best epoch ${res.bestEpoch}/${res.history.length}, ${Date.now() - w0} ms wall, ${cpuMs(c0)} ms cpu`);
    results.push([head, res]);
  }
  const b = results[0][1].baselines;
  console.log(row(`trivial: top-${b.topK.k} (${b.topK.genres.join(', ')})`, b.topK.report));
  console.log(row('trivial: train prior, tuned thr.', b.prior.report));
  for (const [head, res] of results) {
    console.log(row(`${head} head, tuned per-genre thr.`, res.metrics));
    console.log(row(`${head} head, global thr. ${res.globalThreshold.toFixed(2)}`, res.metricsGlobal));
    res.model.dispose();
  }
}

async function timing(argv: string[]): Promise<void> {
  const epochs = Number(arg(argv, 'epochs', '30'));
  const { tf, backend } = await loadTf();
  const n = 3000;
  const d = 2048;
  const g = 25;
  const rand = seededRandom(5);
  const make = (count: number): EmbeddingSet => ({
    x: Float32Array.from({ length: count * d }, () => rand()),
    y: Uint8Array.from({ length: count * g }, () => (rand() < 0.1 ? 1 : 0)),
    n: count,
  });
  const train = make(n);
  const val = make(750);
  for (const head of ['baseline', 'default'] as HeadKind[]) {
    const before = tf.memory().numTensors;
    const c0 = process.cpuUsage();
    const w0 = Date.now();
    const res = await trainHead({ train, val, genres: Array.from({ length: g }, (_, j) => `g${j}`), config: trainConfig({ head, epochs, patience: 0 }) });
    const wall = Date.now() - w0;
    res.model.dispose();
    console.log(
      `${backend}: ${head} head, ${n}×${d} train + 750 val, ${res.history.length} epochs: ${wall} ms wall, ${cpuMs(c0)} ms cpu; leaked tensors ${tf.memory().numTensors - before}`,
    );
  }
}

export async function main(argv: string[]): Promise<void> {
  const only = arg(argv, 'only', '');
  if (only !== 'timing') await real(argv);
  if (only !== 'real') await timing(argv);
}
