// `npm run bench -- loop [--dataset DIR] [--data-dir DIR] [--backbone inception_v3] [--seeds 1,2,3] [--plot FILE] [--only sim|timing]`
// The learning loop on cached embeddings (the data dir must already hold train/ and val/ embeddings of the
// backbone, e.g. a copy of a quality bench's data dir; it is opened read-write, so use a copy).
// Simulation: labels of train/ are hidden and revealed when a poster is "labelled". Start from 300 random
// labelled posters, then 6 rounds of 100 picks, by "label next" (main/loop/label-next.ts), by uncertainty
// alone and at random; the default head (cross-validated linear) is retrained after each round and scored on
// val/, which no choice ever sees. Timing: nearest neighbours over 100,000 vectors, the queue over 10,000
// posters, a retrain on 10,000 labelled posters.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { projectRoot } from '../../main/core/project-root';
import { openDatabase, type Db } from '../../main/db/database';
import type { Ort } from '../../main/ml/ort-matmul';
import { fit, readPool, rows, scoresOf, type Pool } from './lib/loop-data';
import { timing } from './lib/loop-timing';
import { evaluate } from '../../main/ml/metrics';
import { seededRandom, shuffleInPlace } from '../../main/ml/random';
import { buildSimilarityIndex, subIndex, type SimilarityIndex } from '../../main/loop/similarity';
import { rankLabelNext, rarityWeights } from '../../main/loop/label-next';

interface Args {
  dataset: string;
  dataDir: string;
  backbone: string;
  seeds: number[];
  plot: string;
  only?: string;
}

function parse(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    dataset: path.resolve(get('dataset') ?? path.join(projectRoot(), '..', 'shared', 'movie_posters')),
    dataDir: path.resolve(get('data-dir') ?? path.join(projectRoot(), '.scratch', 'loop-bench-data')),
    backbone: get('backbone') ?? 'inception_v3',
    seeds: (get('seeds') ?? '1,2,3').split(',').map(Number),
    plot: path.resolve(get('plot') ?? path.join(projectRoot(), '.scratch', 'loop-curves.png')),
    only: get('only'),
  };
}

const ms = (t: number) => `${t.toFixed(t < 10 ? 2 : 0)} ms`;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

type Strategy = 'label next' | 'uncertainty only' | 'random';

async function simulate(ort: Ort, train: Pool, val: Pool, index: SimilarityIndex, dim: number, genres: string[], strategy: Strategy, seed: number) {
  const g = genres.length;
  const rand = seededRandom(seed);
  const order = shuffleInPlace(
    Array.from({ length: train.n }, (_, i) => i),
    seededRandom(seed * 7919 + 1),
  );
  const labelled = order.slice(0, 300);
  const curve: { labels: number; mAP: number; seconds: number }[] = [];
  for (let round = 0; round <= 6; round++) {
    const t0 = performance.now();
    const model = await fit(train, labelled, dim, g, genres, seed);
    const valScores = await scoresOf(ort, val.x, val.n, dim, model.kernel, model.bias, g);
    curve.push({ labels: labelled.length, mAP: evaluate(valScores, val.y, val.n, genres).mAP, seconds: (performance.now() - t0) / 1000 });
    console.error(`  ${strategy}: ${labelled.length} labels → mAP ${curve[curve.length - 1].mAP.toFixed(4)}`);
    if (round === 6) break;
    const taken = new Set(labelled);
    const rest = Array.from({ length: train.n }, (_, i) => i).filter((i) => !taken.has(i));
    if (strategy === 'random') {
      shuffleInPlace(rest, rand);
      labelled.push(...rest.slice(0, 100));
      continue;
    }
    const cand = rows(train, rest, dim, g);
    const scores = await scoresOf(ort, cand.x, cand.n, dim, model.kernel, model.bias, g);
    const sub = subIndex(index, rest);
    const positives = genres.map((_, j) => labelled.reduce((a, i) => a + train.y[i * g + j], 0));
    const full = strategy === 'label next';
    const queue = rankLabelNext({
      scores,
      n: cand.n,
      g,
      thresholds: model.thresholds,
      index: sub,
      limit: 100,
      diversity: full ? 1 : 0,
      duplicateCosine: full ? undefined : 2,
      genreWeights: full ? rarityWeights(positives) : undefined,
    });
    labelled.push(...queue.map((q) => rest[q.row]));
  }
  return curve;
}

const COLOURS: Record<Strategy, string> = { 'label next': '#c2410c', 'uncertainty only': '#7c3aed', random: '#2563eb' };

/** The curves as an SVG drawn to PNG by sharp (librsvg). */
async function plot(file: string, curves: Map<Strategy, { labels: number; mAP: number }[]>, backbone: string): Promise<void> {
  const W = 720;
  const H = 440;
  const m = { l: 70, r: 20, t: 40, b: 60 };
  const all = [...curves.values()].flat();
  const lo = Math.floor(Math.min(...all.map((p) => p.mAP)) * 100) / 100;
  const hi = Math.ceil(Math.max(...all.map((p) => p.mAP)) * 100) / 100;
  const X = (v: number) => m.l + ((v - 300) / 600) * (W - m.l - m.r);
  const Y = (v: number) => H - m.b - ((v - lo) / (hi - lo || 1)) * (H - m.t - m.b);
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`];
  for (let v = 300; v <= 900; v += 100)
    parts.push(
      `<line x1="${X(v)}" x2="${X(v)}" y1="${m.t}" y2="${H - m.b}" stroke="#e5e7eb"/><text x="${X(v)}" y="${H - m.b + 20}" font-size="13" text-anchor="middle">${v}</text>`,
    );
  for (let k = 0; k <= 5; k++) {
    const v = lo + ((hi - lo) * k) / 5;
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e5e7eb"/><text x="${m.l - 8}" y="${Y(v) + 4}" font-size="13" text-anchor="end">${v.toFixed(3)}</text>`,
    );
  }
  let legend = 0;
  for (const [name, c] of curves) {
    parts.push(`<polyline fill="none" stroke="${COLOURS[name]}" stroke-width="2.5" points="${c.map((p) => `${X(p.labels)},${Y(p.mAP)}`).join(' ')}"/>`);
    for (const p of c) parts.push(`<circle cx="${X(p.labels)}" cy="${Y(p.mAP)}" r="3.5" fill="${COLOURS[name]}"/>`);
    parts.push(
      `<rect x="${m.l + 12}" y="${m.t + 8 + legend * 20}" width="14" height="4" fill="${COLOURS[name]}"/><text x="${m.l + 32}" y="${m.t + 14 + legend++ * 20}" font-size="13">${name}</text>`,
    );
  }
  parts.push(`<text x="${W / 2}" y="24" font-size="15" text-anchor="middle">val/ mAP by labelled posters (${backbone}, default head)</text>`);
  parts.push(`<text x="${W / 2}" y="${H - 16}" font-size="13" text-anchor="middle">labelled posters of train/</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">${parts.join('')}</svg>`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(file);
}

async function simulation(ort: Ort, args: Args, db: Db): Promise<{ train: Pool; dim: number; genres: string[] }> {
  const { pool: train, genres, dim } = await readPool(db, path.join(args.dataset, 'train'), args.backbone);
  const { pool: val } = await readPool(db, path.join(args.dataset, 'val'), args.backbone, genres);
  if (args.only === 'timing') return { train, dim, genres };
  const t0 = performance.now();
  const index = await buildSimilarityIndex(train.x, train.n, dim);
  const buildMs = performance.now() - t0;
  const curves = new Map<Strategy, { labels: number; mAP: number; seconds: number }[]>();
  const perSeed: string[] = [];
  for (const s of ['label next', 'uncertainty only', 'random'] as Strategy[]) {
    const runs: Awaited<ReturnType<typeof simulate>>[] = [];
    for (const seed of args.seeds) runs.push(await simulate(ort, train, val, index, dim, genres, s, seed));
    runs.forEach((c, k) => perSeed.push(`| ${s} | ${args.seeds[k]} | ${c.map((p) => p.mAP.toFixed(4)).join(' | ')} |`));
    // The mean curve over seeds (each seed: its own 300 starting posters and its own random picks).
    curves.set(
      s,
      runs[0].map((p, r) => ({ labels: p.labels, mAP: runs.reduce((a, c) => a + c[r].mAP, 0) / runs.length, seconds: median(runs.map((c) => c[r].seconds)) })),
    );
  }
  const random = curves.get('random')!;
  const target = random[random.length - 1].mAP;
  console.log(
    `\n### Learning loop: active vs random labelling (${args.backbone}, ${genres.length} genres, scored on val/ = ${val.n} posters; mean of seeds ${args.seeds.join(', ')})\n`,
  );
  console.log(`| labelled | ${[...curves.keys()].join(' | ')} |`);
  console.log(`|---:|${[...curves.keys()].map(() => '---:').join('|')}|`);
  for (let r = 0; r < random.length; r++) console.log(`| ${random[r].labels} | ${[...curves.values()].map((c) => c[r].mAP.toFixed(4)).join(' | ')} |`);
  for (const [name, c] of curves) {
    const hit = c.find((p) => p.mAP >= target);
    console.log(
      `\n${name}: reaches random's final mAP ${target.toFixed(4)} at ${hit ? `${hit.labels} labels (${((hit.labels / random[random.length - 1].labels) * 100).toFixed(0)}% of random's)` : 'no point of the curve'}; median retrain + score ${median(c.map((p) => p.seconds)).toFixed(1)} s`,
    );
  }
  console.log(
    `\nEach seed:\n\n| strategy | seed | ${random.map((p) => p.labels).join(' | ')} |\n|---|---:|${random.map(() => '---:').join('|')}|\n${perSeed.join('\n')}`,
  );
  console.log(`\nSimilarity index over ${train.n} train posters (${dim} → 256 dims): built in ${ms(buildMs)}.`);
  await plot(args.plot, curves, args.backbone);
  console.log(`Plot: ${args.plot}`);
  return { train, dim, genres };
}

export async function main(argv: string[]): Promise<void> {
  const args = parse(argv);
  if (!fs.existsSync(path.join(args.dataDir, 'poster-tagger.sqlite'))) throw new Error(`No data dir with cached embeddings at ${args.dataDir} (--data-dir)`);
  const db = openDatabase(path.join(args.dataDir, 'poster-tagger.sqlite'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as linear-cv loads it
  const ort = require('onnxruntime-node') as Ort;
  try {
    const { train, dim, genres } = await simulation(ort, args, db);
    if (args.only !== 'sim') await timing(ort, train, dim, genres, args.seeds[0]);
  } finally {
    db.close();
  }
}
