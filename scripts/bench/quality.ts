// `npm run bench -- quality [--dataset DIR] [--backbones inception_v3,mobilenet_v2] [--data-dir DIR]
//                           [--only quality|timing] [--no-concat] [--epochs N] [--seed N]`
// Quality: train on train/, tune (early stopping, thresholds) on val/, report on predict/ with
// predict_labels.csv, a test set never used for a choice. Per backbone (and their concatenation): the
// default head, the tutorial's linear head at threshold 0.5, and the trivial baselines, on every metric.
// Timing: head training on 3,000 cached embeddings; cold cache → saved model through train:start, against
// the tutorial's way (the frozen backbone re-run on every poster in every epoch, 3 epochs, extrapolated
// from one measured epoch of backbone passes). Embeddings are cached in --data-dir (a temp dir otherwise).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../../main/core/project-root';
import { createBackend, type Backend } from '../../main/backend';
import type { JobSnapshot } from '../../main/api/contract';
import { hashFile } from '../../main/core/content-hash';
import { standaloneJobContext } from '../../main/jobs/types';
import { availableBackbones } from '../../main/ml/backbones/registry';
import { embedImages } from '../../main/ml/features/pipeline';
import { loadEmbeddings } from '../../main/ml/features/embedding-store';
import { trainHead, type TrainResult } from '../../main/ml/train';
import { predictScores } from '../../main/ml/predict';
import { evaluate, type EvalReport } from '../../main/ml/metrics';
import { genreFrequencies } from '../../main/ml/baselines';
import { tuneThresholds } from '../../main/ml/thresholds';
import { loadTf } from '../../main/ml/tf';
import type { EmbeddingSet } from '../../main/ml/dataset';
import type { TrainConfigInput } from '../../main/ml/head';
import { readLabelledFolder, type LabelledFolder } from '../../main/training/labelled-folder';
import { finishJob } from './lib/jobs';

interface Args {
  dataset: string;
  backbones: string[];
  dataDir?: string;
  only?: 'quality' | 'timing';
  concat: boolean;
  epochs: number;
  seed: number;
}

function parse(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = get('only');
  if (only !== undefined && only !== 'quality' && only !== 'timing') throw new Error('--only must be quality or timing');
  return {
    dataset: path.resolve(get('dataset') ?? path.join(projectRoot(), '..', 'shared', 'movie_posters')),
    backbones: (get('backbones') ?? 'inception_v3,mobilenet_v2').split(',').filter(Boolean),
    dataDir: get('data-dir'),
    only,
    concat: !argv.includes('--no-concat'),
    // The train:start defaults (TrainRequest): 40 epochs at most, lr 1e-3, seed 1, early stopping.
    epochs: Number(get('epochs') ?? 40),
    seed: Number(get('seed') ?? 1),
  };
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A progress line every 10% (benchmarks run in logs, not on a TTY). */
function quietCtx(label: string) {
  let next = 0;
  return standaloneJobContext({
    onProgress: (p) => {
      const pct = p.total ? Math.floor(((p.done + p.failed) / p.total) * 100) : 0;
      if (pct >= next && p.total) {
        console.error(`  ${label}: ${p.phase} ${p.done + p.failed}/${p.total}`);
        next = pct + 10;
      }
    },
  });
}

interface Split {
  folder: LabelledFolder;
  hashes: string[];
}

async function readSplit(dir: string, labels?: string): Promise<Split> {
  const folder = await readLabelledFolder(dir, { labels });
  const hashes = await Promise.all(folder.items.map((i) => hashFile(i.path)));
  return { folder, hashes };
}

function targetsOf(split: Split, genres: string[]): Uint8Array {
  const g = genres.length;
  const y = new Uint8Array(split.folder.items.length * g);
  split.folder.items.forEach((item, i) => genres.forEach((genre, j) => (y[i * g + j] = item.genres.includes(genre) ? 1 : 0)));
  return y;
}

function embeddingSet(b: Backend, split: Split, backbone: string, y: Uint8Array): EmbeddingSet {
  const x = loadEmbeddings(b.db, split.hashes, backbone, 'original');
  const xFlip = loadEmbeddings(b.db, split.hashes, backbone, 'flipped');
  if (x.missingCount || xFlip.missingCount) throw new Error(`${x.missingCount + xFlip.missingCount} embeddings of ${backbone} are missing`);
  return { x: x.vectors, xFlip: xFlip.vectors, y, n: split.hashes.length };
}

/** Row-wise [a | b]: the two backbones' embeddings side by side. */
function concatSets(a: EmbeddingSet, b: EmbeddingSet): EmbeddingSet {
  const da = a.x.length / a.n;
  const db = b.x.length / b.n;
  const join = (p: Float32Array, q: Float32Array) => {
    const out = new Float32Array(a.n * (da + db));
    for (let i = 0; i < a.n; i++) {
      out.set(p.subarray(i * da, (i + 1) * da), i * (da + db));
      out.set(q.subarray(i * db, (i + 1) * db), i * (da + db) + da);
    }
    return out;
  };
  return { x: join(a.x, b.x), xFlip: join(a.xFlip!, b.xFlip!), y: a.y, n: a.n };
}

interface Sets {
  name: string;
  train: EmbeddingSet;
  val: EmbeddingSet;
  test: EmbeddingSet;
}

interface Row {
  name: string;
  /** mAP, micro-F1 (global threshold), macro-F1, samples-F1, exact match (per-genre thresholds). */
  micro: EvalReport;
  perGenre: EvalReport;
  note?: string;
}

function rowFrom(name: string, scores: Float32Array, set: EmbeddingSet, genres: string[], thresholds: number[] | number, global: number): Row {
  return { name, micro: evaluate(scores, set.y, set.n, genres, global), perGenre: evaluate(scores, set.y, set.n, genres, thresholds) };
}

function markdown(rows: Row[]): string {
  const lines = [
    '| Model | mAP | micro-F1 | macro-F1 | samples-F1 | exact match |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${f3(r.perGenre.mAP)} | ${f3(r.micro.microF1)} | ${f3(r.perGenre.macroF1)} | ${f3(r.perGenre.samplesF1)} | ${f3(r.perGenre.exactMatch)} |`),
  ];
  return lines.join('\n');
}

async function compare(sets: Sets, genres: string[], args: Args): Promise<{ rows: Row[]; valMap: Record<string, number> }> {
  const g = genres.length;
  const base: TrainConfigInput = { epochs: args.epochs, learningRate: 1e-3, seed: args.seed };
  const rows: Row[] = [];
  const valMap: Record<string, number> = {};
  const heads: [string, TrainConfigInput][] = [
    ['default head', { ...base, head: 'default' }],
    // The tutorial: one sigmoid dense layer on the frozen embeddings, no augmentation.
    ['linear head', { ...base, head: 'baseline', flipAugment: false, testTimeFlip: false }],
  ];
  const results: TrainResult[] = [];
  for (const [name, config] of heads) {
    const t0 = performance.now();
    const res = await trainHead({ train: sets.train, val: sets.val, genres, config });
    results.push(res);
    valMap[name] = res.metrics.mAP;
    console.error(`  ${sets.name} ${name}: best epoch ${res.bestEpoch}/${res.history.length}, val mAP ${f3(res.metrics.mAP)}, ${secs(performance.now() - t0)}`);
  }
  const [def, lin] = results;
  const defScores = await predictScores(def.model, sets.test.x, sets.test.n, { xFlip: sets.test.xFlip });
  const linScores = await predictScores(lin.model, sets.test.x, sets.test.n);
  rows.push(rowFrom(`${sets.name}: default head (thresholds tuned on val)`, defScores, sets.test, genres, def.thresholds, def.globalThreshold));
  rows.push(rowFrom(`${sets.name}: default head, threshold 0.5`, defScores, sets.test, genres, 0.5, 0.5));
  rows.push(rowFrom(`${sets.name}: tutorial linear head, threshold 0.5`, linScores, sets.test, genres, 0.5, 0.5));
  rows.push(rowFrom(`${sets.name}: linear head (thresholds tuned on val)`, linScores, sets.test, genres, lin.thresholds, lin.globalThreshold));
  results.forEach((r) => r.model.dispose());

  // Trivial baselines, thresholds tuned on val like a model's.
  const freq = genreFrequencies(sets.train.y, sets.train.n, g);
  const prior = (n: number) => {
    const s = new Float32Array(n * g);
    for (let i = 0; i < n; i++) s.set(freq, i * g);
    return s;
  };
  const tuned = tuneThresholds(prior(sets.val.n), sets.val.y, sets.val.n, g);
  rows.push(rowFrom('trivial: genre frequencies (thresholds tuned on val)', prior(sets.test.n), sets.test, genres, tuned.thresholds, tuned.globalThreshold));
  const k = Math.max(1, Math.round(freq.reduce((a, b) => a + b, 0)));
  const top = new Set(freq.map((f, j) => ({ f, j })).sort((a, b) => b.f - a.f || a.j - b.j).slice(0, k).map((r) => r.j));
  const topScores = new Float32Array(sets.test.n * g);
  for (let i = 0; i < sets.test.n; i++) for (const j of top) topScores[i * g + j] = 1;
  rows.push(rowFrom(`trivial: top-${k} genres (${[...top].map((j) => genres[j]).join(', ')})`, topScores, sets.test, genres, 0.5, 0.5));
  return { rows, valMap };
}

async function embedAll(b: Backend, splits: Split[], backbone: string): Promise<number> {
  const items = splits.flatMap((s) => s.folder.items.map((item, i) => ({ path: item.path, hash: s.hashes[i] })));
  const t0 = performance.now();
  const summary = await embedImages(b.db, items, backbone, quietCtx(backbone), { views: ['original', 'flipped'] });
  if (summary.failed.length) throw new Error(`${summary.failed.length} posters could not be embedded: ${summary.failed[0].reason}`);
  const ms = performance.now() - t0;
  console.error(`  ${backbone}: ${summary.embedded} embedded, ${summary.cached} cached, ${secs(ms)}`);
  return ms;
}

async function quality(b: Backend, args: Args, data: { train: Split; val: Split; test: Split; genres: string[] }): Promise<Map<string, Sets>> {
  const { genres } = data;
  const y = { train: targetsOf(data.train, genres), val: targetsOf(data.val, genres), test: targetsOf(data.test, genres) };
  const bySet = new Map<string, Sets>();
  for (const backbone of args.backbones) {
    await embedAll(b, [data.train, data.val, data.test], backbone);
    bySet.set(backbone, {
      name: backbone,
      train: embeddingSet(b, data.train, backbone, y.train),
      val: embeddingSet(b, data.val, backbone, y.val),
      test: embeddingSet(b, data.test, backbone, y.test),
    });
  }
  if (args.only === 'timing') return bySet;

  const all: Row[] = [];
  const valMaps: string[] = [];
  const sets = [...bySet.values()];
  if (args.concat && sets.length === 2) {
    const [p, q] = sets;
    sets.push({ name: `${p.name}+${q.name}`, train: concatSets(p.train, q.train), val: concatSets(p.val, q.val), test: concatSets(p.test, q.test) });
  }
  for (const s of sets) {
    const { rows, valMap } = await compare(s, genres, args);
    // The baselines do not depend on the embeddings: list them once, at the end.
    all.push(...rows.filter((r) => !r.name.startsWith('trivial')));
    if (s === sets[sets.length - 1]) all.push(...rows.filter((r) => r.name.startsWith('trivial')));
    valMaps.push(`${s.name}: ${Object.entries(valMap).map(([k, v]) => `${k} ${f3(v)}`).join(', ')}`);
  }
  const testPositives = genres.filter((_, j) => Array.from({ length: y.test.length / genres.length }, (_, i) => y.test[i * genres.length + j]).some((v) => v));
  console.log(`\n### Quality on predict/ (${data.test.hashes.length} posters, never used for a choice)\n`);
  console.log(
    `Trained on train/ (${data.train.hashes.length}), early stopping and thresholds on val/ (${data.val.hashes.length}); ${genres.length} genres, ` +
      `${testPositives.length} of them occur in predict/ (macro-F1 and mAP average over those). micro-F1 at the global threshold, ` +
      `macro-F1, samples-F1 and exact match at the per-genre thresholds (both tuned on val); "threshold 0.5" rows use 0.5 everywhere. ` +
      `Up to ${args.epochs} epochs, lr 1e-3, seed ${args.seed}; the default head uses flip augmentation and test-time flips.\n`,
  );
  console.log(markdown(all));
  console.log(`\nValidation mAP (what early stopping saw): ${valMaps.join('; ')}`);
  return bySet;
}

/** Cold cache to a saved model, through the same calls as the UI, in a fresh data dir. */
async function coldTrain(dataset: string, backbone: string): Promise<{ index: number; embed: number; head: number; total: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poster-tagger-bench-cold-'));
  const b = createBackend({ dataDir: dir });
  try {
    const t0 = performance.now();
    const { library, job } = (await b.gate.invoke('library:open', { path: dataset })) as { library: { id: number }; job: JobSnapshot };
    const indexed = await finishJob(b, job.id);
    if (indexed.status !== 'done') throw new Error(`indexing ${indexed.status}: ${indexed.error}`);
    const t1 = performance.now();
    let headStart = 0;
    const started = (await b.gate.invoke('train:start', { libraryId: library.id, backbone })) as { runId: number; job: JobSnapshot };
    const done = await finishJob(b, started.job.id, (s) => {
      if (!headStart && s.phase === 'Training the head') headStart = performance.now();
    });
    if (done.status !== 'done') throw new Error(`training ${done.status}: ${done.error}`);
    const t2 = performance.now();
    return { index: t1 - t0, embed: (headStart || t2) - t1, head: headStart ? t2 - headStart : 0, total: t2 - t0 };
  } finally {
    await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One epoch of the tutorial's way: every train+val poster through the frozen backbone once (fresh cache). */
async function oneBackboneEpoch(paths: string[], backbone: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poster-tagger-bench-epoch-'));
  const b = createBackend({ dataDir: dir });
  try {
    const t0 = performance.now();
    const s = await embedImages(b.db, paths.map((p) => ({ path: p })), backbone, quietCtx(`${backbone} epoch`), { views: ['original'] });
    if (s.embedded !== paths.length) throw new Error(`only ${s.embedded} of ${paths.length} posters embedded`);
    return performance.now() - t0;
  } finally {
    await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function timing(args: Args, sets: Map<string, Sets>, genres: string[], trainValPaths: string[]): Promise<void> {
  const { backend } = await loadTf();
  const lines: string[] = [];
  console.log(`\n### Timing (${os.cpus().length} cores, TF.js ${backend}, ONNX Runtime for the backbones)\n`);
  console.log('Head training on 3,000 cached embeddings (train/), 30 epochs, no early stopping, 750 val embeddings evaluated every epoch:\n');
  console.log('| Embeddings | default head | linear head |');
  console.log('|---|---:|---:|');
  const warmHead = new Map<string, number>();
  for (const [name, s] of sets) {
    const times: number[] = [];
    for (const head of ['default', 'baseline'] as const) {
      const t0 = performance.now();
      const res = await trainHead({ train: s.train, val: s.val, genres, config: { head, epochs: 30, patience: 0, seed: args.seed } });
      times.push(performance.now() - t0);
      res.model.dispose();
    }
    warmHead.set(name, times[0]);
    const dim = s.train.x.length / s.train.n;
    console.log(`| ${name} (${s.train.n}×${dim}) | ${secs(times[0])} | ${secs(times[1])} |`);
  }

  console.log(`\nTrain from a cold cache to a saved model (train/ + val/ = ${trainValPaths.length} posters, default settings, fresh data dir, through library:open and train:start), against the tutorial's way:\n`);
  console.log("| Backbone | index | embed (2 views) | head | **total** | one backbone epoch (measured) | tutorial's 3 epochs (= 3 × epoch) | tutorial ÷ ours (cold) | retrain, warm cache | tutorial ÷ ours (warm) |");
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const backbone of args.backbones) {
    console.error(`  cold run: ${backbone}`);
    const cold = await coldTrain(args.dataset, backbone);
    console.error(`  one backbone epoch: ${backbone}`);
    const epoch = await oneBackboneEpoch(trainValPaths, backbone);
    const tutorial = 3 * epoch;
    const warm = cold.head; // cached embeddings: only the head trains again
    lines.push(
      `| ${backbone} | ${secs(cold.index)} | ${secs(cold.embed)} | ${secs(cold.head)} | **${secs(cold.total)}** | ${secs(epoch)} | ${secs(tutorial)} | ${(tutorial / cold.total).toFixed(1)}× | ${secs(warm)} | ${(tutorial / warm).toFixed(0)}× |`,
    );
    console.log(lines[lines.length - 1]);
  }
  console.log(
    "\nThe tutorial's time is extrapolated: one epoch of backbone passes over every train+val poster (original view only, measured in a fresh cache, " +
      "including reading and decoding) × 3 epochs; its head updates are negligible next to the backbone and are not counted. " +
      'Ours embeds each poster twice (original and flipped) once, then trains only the head; a retrain with a warm cache (another seed, genres or head) costs the head column only.',
  );
}

export async function main(argv: string[]): Promise<void> {
  const args = parse(argv);
  for (const sub of ['train', 'val', 'predict']) {
    if (!fs.existsSync(path.join(args.dataset, sub))) throw new Error(`${args.dataset} has no ${sub}/ folder (use --dataset DIR)`);
  }
  const installed = new Set(availableBackbones().filter((a) => a.installed).map((a) => a.id));
  const missing = args.backbones.filter((id) => !installed.has(id));
  if (missing.length) throw new Error(`Backbone(s) not installed: ${missing.join(', ')} (run npm run postinstall)`);

  const dataDir = args.dataDir ? path.resolve(args.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'poster-tagger-bench-quality-'));
  const b = createBackend({ dataDir });
  try {
    const t0 = performance.now();
    const [train, val, test] = await Promise.all([
      readSplit(path.join(args.dataset, 'train')),
      readSplit(path.join(args.dataset, 'val')),
      readSplit(path.join(args.dataset, 'predict'), path.join(args.dataset, 'predict_labels.csv')),
    ]);
    // Every genre with a training poster, as train:start's "all genres".
    const genres = train.folder.genres.filter((g) => train.folder.items.some((i) => i.genres.includes(g)));
    console.error(`  read ${train.hashes.length} + ${val.hashes.length} + ${test.hashes.length} posters, ${genres.length} genres, in ${secs(performance.now() - t0)}; data dir ${dataDir}`);
    const sets = await quality(b, args, { train, val, test, genres });
    if (args.only !== 'quality') {
      await timing(args, sets, genres, [...train.folder.items, ...val.folder.items].map((i) => i.path));
    }
  } finally {
    await b.close();
    if (!args.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
