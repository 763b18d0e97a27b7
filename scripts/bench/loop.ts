// `npm run bench -- loop [--dataset DIR] [--data-dir DIR] [--backbone inception_v3] [--seeds 1,2,3,4,5] [--plot FILE] [--only sim|timing|nn]`
// The learning loop on cached embeddings (the data dir must already hold train/ and val/ embeddings of the
// backbone, e.g. a copy of a quality bench's data dir; it is opened read-write, so use a copy).
// Simulation: labels of train/ are hidden and revealed when a poster is "labelled". Start from 300 random
// labelled posters, then 6 rounds of 100 picks, by "label next" (main/loop/label-next.ts), by the label next
// it replaced (BEFORE) and at random; the default head (cross-validated linear) is retrained after each round
// and scored on val/, which no choice ever sees. Each seed is its own starting 300 and random picks; the
// tables give the mean of the seeds and the lowest–highest, the plot the mean curves with that band.
// Timing: nearest neighbours over 100,000 vectors, the queue over 10,000 posters, a retrain on 10,000
// labelled posters.
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
    seeds: (get('seeds') ?? '1,2,3,4,5').split(',').map(Number),
    plot: path.resolve(get('plot') ?? path.join(projectRoot(), '.scratch', 'loop-curves.png')),
    only: get('only'),
  };
}

const ms = (t: number) => `${t.toFixed(t < 10 ? 2 : 0)} ms`;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Label next as it was before the bench compared rankings (README "Learning loop"): closeness exp(−|Δlogit|). */
const BEFORE = { sharpness: 1 } as const;

/** The rankings compared: the app's label next, the one it replaced, and random picks. */
const STRATEGIES = ['label next', 'label next before', 'random'] as const;
type Strategy = (typeof STRATEGIES)[number];
type Curve = { labels: number; mAP: number; seconds: number }[];

interface World {
  ort: Ort;
  train: Pool;
  val: Pool;
  index: SimilarityIndex;
  dim: number;
  genres: string[];
}

async function fitAndScore(w: World, labelled: readonly number[], seed: number) {
  const t0 = performance.now();
  const g = w.genres.length;
  const model = await fit(w.train, labelled, w.dim, g, w.genres, seed);
  const valScores = await scoresOf(w.ort, w.val.x, w.val.n, w.dim, model.kernel, model.bias, g);
  const point = { labels: labelled.length, mAP: evaluate(valScores, w.val.y, w.val.n, w.genres).mAP, seconds: (performance.now() - t0) / 1000 };
  return { model, point };
}

/** The next 100 posters of train/ (rows of `rest`) by a strategy; only labelled posters' labels are read. */
async function pick(w: World, strategy: Strategy, model: Awaited<ReturnType<typeof fit>>, labelled: readonly number[], rest: number[], rand: () => number) {
  if (strategy === 'random') return shuffleInPlace([...rest], rand).slice(0, 100);
  const g = w.genres.length;
  const cand = rows(w.train, rest, w.dim, g);
  const scores = await scoresOf(w.ort, cand.x, cand.n, w.dim, model.kernel, model.bias, g);
  const positives = w.genres.map((_, j) => labelled.reduce((a, i) => a + w.train.y[i * g + j], 0));
  const before = strategy === 'label next before';
  const queue = rankLabelNext({
    scores,
    n: cand.n,
    g,
    thresholds: model.thresholds,
    index: subIndex(w.index, rest),
    limit: 100,
    genreWeights: rarityWeights(positives),
    ...(before ? BEFORE : {}),
  });
  return queue.map((q) => rest[q.row]);
}

/** One seed: its own 300 starting posters (the first fit is shared by the strategies), then 6 rounds each. */
async function simulateSeed(w: World, seed: number): Promise<Map<Strategy, Curve>> {
  const order = shuffleInPlace(
    Array.from({ length: w.train.n }, (_, i) => i),
    seededRandom(seed * 7919 + 1),
  );
  const start = order.slice(0, 300);
  const first = await fitAndScore(w, start, seed);
  const out = new Map<Strategy, Curve>();
  for (const strategy of STRATEGIES) {
    const rand = seededRandom(seed);
    const labelled = [...start];
    let model = first.model;
    const curve: Curve = [first.point];
    for (let round = 1; round <= 6; round++) {
      const taken = new Set(labelled);
      const rest = Array.from({ length: w.train.n }, (_, i) => i).filter((i) => !taken.has(i));
      labelled.push(...(await pick(w, strategy, model, labelled, rest, rand)));
      const next = await fitAndScore(w, labelled, seed);
      model = next.model;
      curve.push(next.point);
      console.error(`  seed ${seed}, ${strategy}: ${labelled.length} labels → mAP ${next.point.mAP.toFixed(4)} (${next.point.seconds.toFixed(1)} s)`);
    }
    out.set(strategy, curve);
  }
  return out;
}

const COLOURS: Record<Strategy, string> = { 'label next': '#c2410c', 'label next before': '#7c3aed', random: '#2563eb' };

/** Per round over the seeds: mean, lowest and highest mAP, median seconds. */
interface Summary {
  labels: number;
  mAP: number;
  lo: number;
  hi: number;
  seconds: number;
}

function summarise(runs: Curve[]): Summary[] {
  return runs[0].map((p, r) => {
    const v = runs.map((c) => c[r].mAP);
    return {
      labels: p.labels,
      mAP: v.reduce((a, b) => a + b, 0) / v.length,
      lo: Math.min(...v),
      hi: Math.max(...v),
      seconds: median(runs.map((c) => c[r].seconds)),
    };
  });
}

/** The mean curves, each with its band from the lowest to the highest seed, as an SVG drawn to PNG by sharp (librsvg). */
export async function plot(file: string, curves: Map<Strategy, Summary[]>, backbone: string, seeds: number): Promise<void> {
  const W = 720;
  const H = 440;
  const m = { l: 70, r: 20, t: 40, b: 60 };
  const all = [...curves.values()].flat();
  const lo = Math.floor(Math.min(...all.map((p) => p.lo)) * 100) / 100;
  const hi = Math.ceil(Math.max(...all.map((p) => p.hi)) * 100) / 100;
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
  for (const [name, c] of curves) {
    const band = [...c.map((p) => `${X(p.labels)},${Y(p.hi)}`), ...[...c].reverse().map((p) => `${X(p.labels)},${Y(p.lo)}`)].join(' ');
    parts.push(`<polygon points="${band}" fill="${COLOURS[name]}" fill-opacity="0.1"/>`);
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
  parts.push(
    `<text x="${W / 2}" y="${H - 16}" font-size="13" text-anchor="middle">labelled posters of train/ · lines: mean of ${seeds} seeds, bands: lowest–highest seed</text>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">${parts.join('')}</svg>`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(file);
}

/** The bench's tables: mean (spread) per round, where each curve reaches random's final mAP, each seed. */
function report(curves: Map<Strategy, Summary[]>, runs: Map<Strategy, Curve[]>, seeds: number[]): void {
  const random = curves.get('random')!;
  const last = random[random.length - 1];
  console.log(`| labelled | ${STRATEGIES.join(' | ')} |`);
  console.log(`|---:|${STRATEGIES.map(() => '---:').join('|')}|`);
  const cell = (p: Summary) => `${p.mAP.toFixed(4)} (${p.lo.toFixed(3)}–${p.hi.toFixed(3)})`;
  for (let r = 0; r < random.length; r++) console.log(`| ${random[r].labels} | ${STRATEGIES.map((s) => cell(curves.get(s)![r])).join(' | ')} |`);
  for (const [name, c] of curves) {
    const hit = c.find((p) => p.mAP >= last.mAP);
    // Between two rounds, where the straight line between them crosses random's final mAP.
    const k = hit ? c.indexOf(hit) : -1;
    const cross = k > 0 ? c[k - 1].labels + ((last.mAP - c[k - 1].mAP) / (hit!.mAP - c[k - 1].mAP)) * (hit!.labels - c[k - 1].labels) : hit?.labels;
    console.log(
      `\n${name}: reaches random's final mAP ${last.mAP.toFixed(4)} at ${
        hit
          ? `${hit.labels} labels (${((hit.labels / last.labels) * 100).toFixed(0)}% of random's; ~${cross!.toFixed(0)} interpolated)`
          : 'no point of the curve'
      }; at ${last.labels}: ${c[c.length - 1].mAP - last.mAP >= 0 ? '+' : ''}${(c[c.length - 1].mAP - last.mAP).toFixed(4)} over random; retrain + score ${c.map((p) => p.seconds.toFixed(1)).join(', ')} s`,
    );
  }
  const perSeed = STRATEGIES.flatMap((s) => runs.get(s)!.map((c, k) => `| ${s} | ${seeds[k]} | ${c.map((p) => p.mAP.toFixed(4)).join(' | ')} |`));
  console.log(
    `\nEach seed:\n\n| strategy | seed | ${random.map((p) => p.labels).join(' | ')} |\n|---|---:|${random.map(() => '---:').join('|')}|\n${perSeed.join('\n')}`,
  );
}

async function simulation(ort: Ort, args: Args, db: Db): Promise<{ train: Pool; dim: number; genres: string[] }> {
  const { pool: train, genres, dim } = await readPool(db, path.join(args.dataset, 'train'), args.backbone);
  const { pool: val } = await readPool(db, path.join(args.dataset, 'val'), args.backbone, genres);
  if (args.only === 'timing' || args.only === 'nn') return { train, dim, genres };
  const t0 = performance.now();
  const index = await buildSimilarityIndex(train.x, train.n, dim);
  const buildMs = performance.now() - t0;
  const world: World = { ort, train, val, index, dim, genres };
  const runs = new Map<Strategy, Curve[]>(STRATEGIES.map((s) => [s, []]));
  const tSim = performance.now();
  for (const seed of args.seeds) for (const [s, c] of await simulateSeed(world, seed)) runs.get(s)!.push(c);
  const curves = new Map<Strategy, Summary[]>(STRATEGIES.map((s) => [s, summarise(runs.get(s)!)]));
  console.log(
    `\n### Learning loop: active vs random labelling (${args.backbone}, ${genres.length} genres, scored on val/ = ${val.n} posters; mean (lowest–highest) of seeds ${args.seeds.join(', ')})\n`,
  );
  report(curves, runs, args.seeds);
  console.log(
    `\nSimilarity index over ${train.n} train posters (${dim} → 256 dims): built in ${ms(buildMs)}. Simulation: ${((performance.now() - tSim) / 60000).toFixed(1)} min.`,
  );
  await plot(args.plot, curves, args.backbone, args.seeds.length);
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
    if (args.only !== 'sim') await timing(ort, train, dim, genres, args.seeds[0], args.only === 'nn' ? 'nn' : undefined);
  } finally {
    db.close();
  }
}
