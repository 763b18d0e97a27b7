// `npm run bench -- predict [--dataset DIR] [--backbones inception_v3,mobilenet_v2] [--variants float32,int8]
//                           [--data-dir DIR] [--rounds N]`
// What a user waits for: `poster-tagger predict <run> movie_posters/predict` (200 full-size posters) as a
// new process with a fresh data folder (cold embedding cache, start-up and model load included), per
// backbone and variant, with both views (a run trained with --mirror) and the original view alone (the default), next to the PyTorch
// anchor (torchvision pipeline, random weights) on the same posters in the same run when Debian's
// python3-torch is installed. Models are trained once on the dataset (train/ + val/, default settings; with
// --data-dir of the quality bench its embeddings are cached) and exported; each timed run imports one
// into a fresh folder first (not timed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBackend } from '../../main/backend';
import type { JobSnapshot } from '../../contract';
import { projectRoot } from '../../main/core/project-root';
import { availableBackbones } from '../../main/ml/backbones/registry';
import type { BackboneVariant } from '../../main/ml/backbones/types';
import { finishJob } from './lib/jobs';

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A model of `backbone` in `variant`, trained on `folder` in `dataDir` and exported to a file (made once). */
async function exportedModel(dataDir: string, folder: string, backbone: string, variant: BackboneVariant): Promise<string> {
  const file = path.join(dataDir, `bench-predict-${backbone}-${variant}.ptmodel`);
  if (fs.existsSync(file)) return file;
  const before = process.env.POSTER_TAGGER_BACKBONE_VARIANT;
  process.env.POSTER_TAGGER_BACKBONE_VARIANT = variant;
  const b = createBackend({ dataDir });
  try {
    // A library opened inside the dataset (its val/, say) would make opening the dataset refused: forget it.
    const libs = (await b.gate.invoke('library:list', {})) as { id: number; root: string }[];
    const real = fs.realpathSync(folder);
    for (const l of libs) if (l.root.startsWith(real + path.sep)) await b.gate.invoke('library:remove', { id: l.id });
    const { library, job } = (await b.gate.invoke('library:open', { path: folder })) as { library: { id: number }; job: JobSnapshot };
    await finishJob(b, job.id);
    // A run trained on both views, so one exported model serves both rows (with --fast: the default runs' one view).
    const started = (await b.gate.invoke('train:start', { libraryId: library.id, backbone, views: 'both' })) as { runId: number; job: JobSnapshot };
    const done = await finishJob(b, started.job.id);
    if (done.status !== 'done') throw new Error(`training ${backbone} ${variant}: ${done.status} ${done.error ?? ''}`);
    await b.gate.invoke('runs:export', { id: started.runId, file, overwrite: true });
    return file;
  } finally {
    await b.close();
    if (before === undefined) delete process.env.POSTER_TAGGER_BACKBONE_VARIANT;
    else process.env.POSTER_TAGGER_BACKBONE_VARIANT = before;
  }
}

const CLI = path.join(projectRoot(), 'bin', 'poster-tagger.js');

/** Seconds of one cold `predict` (fresh data folder, the model imported first, untimed). */
function coldPredict(model: string, posters: string, fast: boolean): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poster-tagger-bench-predict-'));
  try {
    const imp = spawnSync(process.execPath, [CLI, 'import', model, '--data-dir', dir], { encoding: 'utf8' });
    if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
    const runId = /#(\d+)/.exec(imp.stdout + imp.stderr)?.[1] ?? '1';
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, 'predict', runId, posters, '--data-dir', dir, ...(fast ? ['--fast'] : [])], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`predict failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
    return seconds;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The PyTorch anchor's seconds for the folder, or why it is skipped. */
function torchAnchor(arch: string, posters: string): { seconds: number; loopSeconds: number; torch: string } | string {
  const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0);
  if (!python) return 'skipped: python3-torch / python3-torchvision not installed (Debian: apt-get install python3-torch python3-torchvision)';
  const r = spawnSync(python, [path.join(__dirname, 'lib', 'torch_anchor.py'), arch, posters, '2'], { encoding: 'utf8' });
  if (r.status !== 0) return `failed: ${r.stderr.trim().split('\n').at(-1)}`;
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; loopSeconds: number; torch: string };
}

export async function main(argv: string[]): Promise<void> {
  const dataset = path.resolve(arg(argv, 'dataset', path.join(projectRoot(), '..', 'shared', 'movie_posters')));
  const posters = path.join(dataset, 'predict');
  const backbones = arg(argv, 'backbones', 'inception_v3,mobilenet_v2').split(',');
  const variants = arg(argv, 'variants', 'float32,int8').split(',') as BackboneVariant[];
  const rounds = Number(arg(argv, 'rounds', '1'));
  const dataDir = path.resolve(arg(argv, 'data-dir', path.join(os.tmpdir(), 'poster-tagger-bench-predict-models')));
  fs.mkdirSync(dataDir, { recursive: true });
  const n = fs.readdirSync(posters).filter((f) => /\.(jpe?g|png)$/i.test(f)).length;
  const built = fs.existsSync(path.join(projectRoot(), 'dist', 'cli.js'));
  console.log(
    `${n} posters in ${posters}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? ''}); CLI ${built ? 'built (dist/)' : 'from source through tsx (run npm run build for the real start-up)'}; median of ${rounds} cold run(s) each\n`,
  );
  console.log('| backbone | pipeline | seconds (200 posters, cold) | posters/s | ÷ PyTorch time |');
  console.log('|---|---|---:|---:|---:|');
  const avail = new Map(availableBackbones().map((a) => [a.id, a]));
  for (const backbone of backbones) {
    const torch = torchAnchor(backbone, posters);
    const anchor = typeof torch === 'string' ? undefined : torch.seconds;
    if (typeof torch === 'string') console.log(`| ${backbone} | PyTorch anchor | ${torch} | | |`);
    else
      console.log(
        `| ${backbone} | PyTorch ${torch.torch} torchvision (random weights, 1 view, process start included; loop alone ${torch.loopSeconds.toFixed(1)} s) | ${torch.seconds.toFixed(1)} | ${(n / torch.seconds).toFixed(1)} | 1.00× |`,
      );
    for (const variant of variants) {
      if (variant === 'int8' && !avail.get(backbone)?.int8) {
        console.log(`| ${backbone} | int8 | skipped: ${avail.get(backbone)?.int8Reason ?? 'not installed'} | | |`);
        continue;
      }
      const model = await exportedModel(dataDir, dataset, backbone, variant);
      for (const fast of [false, true]) {
        const secs = median(Array.from({ length: rounds }, () => coldPredict(model, posters, fast)));
        const what = `ours, ${variant}, ${fast ? 'original view (the default; --fast on a --mirror run)' : 'both views (a --mirror run)'}`;
        console.log(`| ${backbone} | ${what} | ${secs.toFixed(1)} | ${(n / secs).toFixed(1)} | ${anchor ? `${(anchor / secs).toFixed(2)}×` : '–'} |`);
      }
    }
  }
  console.log('\n"÷ PyTorch time" > 1 means faster than the PyTorch pipeline on the same posters in the same run.');
}
