// `npm run bench -- tagging [--n 10000] [--backbone mobilenet_v2] [--chunk 1000] [--epochs 10] [--mirror [--fast]] [--variant float32|int8]`
// (--mirror: a run trained on both views, so tagging embeds each poster twice, unless --fast; the default run
// looks at the original view alone; --variant: the backbone weights, default the app's choice for this CPU)
// Batch tagging from cold: N generated 300×450 posters in a plain folder (made once, cached under the OS
// temp dir), a tiny model trained on a generated tutorial set in a fresh data folder, then tag:start
// through the API gate as the app does: wall time (indexing + tagging), posters/s, peak RSS of the process
// (the embedding worker is a thread, so it is included), CPU seconds (independent of other load on the
// machine, unlike wall time), then the same call again with nothing changed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBackend, type Backend } from '../../main/backend';
import type { JobSnapshot } from '../../contract';
import type { TagSummary } from '../../main/tagging/tag-job';
import { closeIdleWorkers } from '../../main/ml/features/worker-pool';
import { makeTutorialLibrary, posterJpeg, FIXTURE_GENRES } from '../../test/helpers/posters';
import { rssSampler } from './lib/rss';
import { finishJob } from './lib/jobs';

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

/** Generates (once) `n` full-size posters; reused across runs. */
async function posterFolder(n: number): Promise<string> {
  const root = path.join(os.tmpdir(), `poster-tagger-bench-tag-${n}`);
  const marker = path.join(root, '.complete');
  if (fs.existsSync(marker)) return root;
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const genres = FIXTURE_GENRES.filter((_, g) => (i * 7 + g * 3) % 5 < 2);
      fs.writeFileSync(path.join(root, `poster-${String(i).padStart(6, '0')}.jpg`), await posterJpeg(genres, i + 1, 300, 450));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  fs.writeFileSync(marker, String(n));
  console.log(`generated ${n} posters in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${root}`);
  return root;
}

async function trainingSet(): Promise<string> {
  const root = path.join(os.tmpdir(), 'poster-tagger-bench-tag-training');
  if (!fs.existsSync(path.join(root, '.complete'))) {
    fs.rmSync(root, { recursive: true, force: true });
    await makeTutorialLibrary(root, { train: 80, val: 30, seed: 11 });
    fs.writeFileSync(path.join(root, '.complete'), '1');
  }
  return root;
}

async function tagOnce(b: Backend, runId: number, folder: string, fast: boolean) {
  const stop = rssSampler();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let firstStored: number | null = null;
  const started = (await b.gate.invoke('tag:start', { runId, folders: [folder], fast })) as { job: JobSnapshot };
  const final = await finishJob(b, started.job.id, (s) => {
    if (firstStored === null && s.done > 0) firstStored = performance.now();
  });
  const wall = (performance.now() - t0) / 1000;
  const peak = stop();
  const cpu = process.cpuUsage(cpu0);
  if (final.status !== 'done') throw new Error(`tagging ended ${final.status}: ${final.error}`);
  const r = final.result as TagSummary;
  const firstSeconds = firstStored === null ? wall : (firstStored - t0) / 1000;
  return { wall, firstSeconds, peakMb: peak / 2 ** 20, cpuSeconds: (cpu.user + cpu.system) / 1e6, r };
}

export async function main(argv: string[]): Promise<void> {
  const n = Number(arg(argv, 'n', '2000'));
  const backbone = arg(argv, 'backbone', 'mobilenet_v2');
  const epochs = Number(arg(argv, 'epochs', '10'));
  if (argv.includes('--chunk')) process.env.POSTER_TAGGER_TAG_CHUNK = arg(argv, 'chunk', '1000');
  if (argv.includes('--variant')) process.env.POSTER_TAGGER_BACKBONE_VARIANT = arg(argv, 'variant', 'float32');
  const mirror = argv.includes('--mirror');
  const fast = mirror && argv.includes('--fast');
  const twice = mirror && !fast;
  const folder = await posterFolder(n);
  const training = await trainingSet();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-bench-tag-data-'));
  const b = createBackend({ dataDir });
  try {
    const open = (await b.gate.invoke('library:open', { path: training })) as { library: { id: number }; job: JobSnapshot };
    await finishJob(b, open.job.id);
    const t0 = performance.now();
    const train = (await b.gate.invoke('train:start', { libraryId: open.library.id, backbone, epochs, patience: 0, views: mirror ? 'both' : 'original' })) as {
      runId: number;
      job: JobSnapshot;
    };
    const trained = await finishJob(b, train.job.id);
    if (trained.status !== 'done') throw new Error(`training ended ${trained.status}: ${trained.error}`);
    const variant = ((await b.gate.invoke('runs:get', { id: train.runId })) as { config: { backboneVariant: string } }).config.backboneVariant;
    console.log(`trained run #${train.runId} (${backbone} ${variant}, ${epochs} epochs) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Training's backbone worker would otherwise sit idle in memory during the measurement. An idle worker
    // does not hold the process open, so a timer keeps it alive while the worker closes.
    const keepAlive = setInterval(() => undefined, 1000);
    await closeIdleWorkers();
    clearInterval(keepAlive);
    const cold = await tagOnce(b, train.runId, folder, fast);
    const warm = await tagOnce(b, train.runId, folder, fast);
    const rows: (string | number)[][] = [
      ['run', 'posters', 'tagged', 'failed', 'wall s', 'first tags s', 'posters/s', 'CPU s', 'peak RSS MB'],
      [
        'cold',
        n,
        cold.r.tagged,
        cold.r.failed,
        cold.wall.toFixed(1),
        cold.firstSeconds.toFixed(1),
        (n / cold.wall).toFixed(1),
        cold.cpuSeconds.toFixed(1),
        cold.peakMb.toFixed(0),
      ],
      ['unchanged', n, warm.r.tagged, warm.r.failed, warm.wall.toFixed(2), '-', '-', warm.cpuSeconds.toFixed(2), warm.peakMb.toFixed(0)],
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
    for (const r of rows) console.log(r.map((v, c) => String(v).padEnd(widths[c])).join('  '));
    console.log(
      `${backbone} ${variant}; indexing runs alongside tagging; ${twice ? 'each poster is embedded twice (original + flipped view)' : `each poster embedded once (original view${fast ? ', --fast' : ''})`}; chunk ${process.env.POSTER_TAGGER_TAG_CHUNK ?? 1000}`,
    );
    console.log(
      `CPU per poster: ${((cold.cpuSeconds * 1000) / n).toFixed(1)} ms (index + hash + thumbnail + decode + ${twice ? '2 inferences' : '1 inference'} + predict + store)`,
    );
    console.log(
      `load average during the run: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.availableParallelism()} cores (other processes slow the wall time; CPU s does not depend on them)`,
    );
    console.log(
      `projected 10,000 posters from cold: ${(((10_000 / n) * cold.wall) / 60).toFixed(1)} min (aim < 3 min); re-run unchanged ${warm.wall.toFixed(2)} s (aim < 5 s)`,
    );
  } finally {
    await b.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
