// `npm run bench -- onnx-export [--backbone inception_v3|mobilenet_v2] [--train 300] [--n 50] [--mirror]`
// The standalone ONNX export against the app on real posters: trains a run on the first `train` posters
// of ../shared/movie_posters/train (a subset library in a temp folder, fresh data folder), exports it as
// .onnx, predicts `n` full-size posters of predict/ with the app (predict:files: cached float16
// embeddings, the run's views (--mirror: a run trained on both), TF.js head) and with onnxruntime-web's wasm build on the same decoded pixels,
// and prints the largest difference, tag agreement, file size and the second runtime's time per poster.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBackend } from '../../main/backend';
import type { CallInput, CallName, CallOutput } from '../../contract';
import { closeIdleWorkers } from '../../main/ml/features/worker-pool';
import { decodeViews } from '../../main/ml/features/decode';
import { findBackbone } from '../../main/ml/backbones/registry';
import { readMetadataProps } from '../../main/ml/onnx/onnx-reader';
import { finishJob } from './lib/jobs';
import { openWebRuntime, onnxCheckerError, skipWithoutPythonOnnx } from '../../test/helpers/onnx-check';

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

const SHARED = path.resolve(__dirname, '../../../shared/movie_posters');

/** The first `n` training posters as a tutorial-layout library (images copied: the indexer does not follow links; metadata.csv cut). */
function subsetLibrary(n: number): string {
  const root = path.join(os.tmpdir(), `poster-tagger-bench-onnx-${n}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'train'), { recursive: true });
  const lines = fs
    .readFileSync(path.join(SHARED, 'train', 'metadata.csv'), 'utf8')
    .trim()
    .split('\n');
  const rows = lines.slice(1, n + 1);
  for (const row of rows) {
    const id = row.split(',')[0];
    fs.copyFileSync(path.join(SHARED, 'train', `${id}.jpg`), path.join(root, 'train', `${id}.jpg`));
  }
  fs.writeFileSync(path.join(root, 'train', 'metadata.csv'), [lines[0], ...rows].join('\n') + '\n');
  return root;
}

/** Tags by the file's metadata: probability at least the genre's threshold (null: never), most confident first. */
function tagsOf(probs: Float32Array, genres: readonly string[], thresholds: readonly (number | null)[]): string[] {
  return genres
    .map((g, j) => ({ g, p: probs[j], t: thresholds[j] }))
    .filter((x) => x.t !== null && x.p >= x.t)
    .sort((a, c) => c.p - a.p)
    .map((x) => x.g);
}

/** The README's Python preprocessing (PIL), run by Debian's Python, through the same model: how far from the app. */
async function pilAgreement(
  ort: Awaited<ReturnType<typeof openWebRuntime>>,
  posters: readonly string[],
  size: number,
  app: { probabilities: Record<string, number>; tags: string[] }[],
  genres: readonly string[],
  thresholds: readonly (number | null)[],
): Promise<string> {
  const script = [
    'import sys',
    'from PIL import Image, ImageOps',
    'size = int(sys.argv[1])',
    'for p in sys.argv[2:]:',
    '    sys.stdout.buffer.write(ImageOps.exif_transpose(Image.open(p)).convert("RGB").resize((size, size), Image.BILINEAR).tobytes())',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, String(size), ...posters], { maxBuffer: 1 << 30 });
  if (r.status !== 0) return `not measured (${String(r.stderr).trim().split('\n').pop() || 'no /usr/bin/python3 with PIL'})`;
  const per = size * size * 3;
  let maxDiff = 0;
  let sum = 0;
  let sameTags = 0;
  for (let i = 0; i < posters.length; i++) {
    const probs = await ort.run(new Uint8Array(r.stdout.subarray(i * per, (i + 1) * per)), 1, size);
    genres.forEach((g, j) => {
      const d = Math.abs(app[i].probabilities[g] - probs[j]);
      maxDiff = Math.max(maxDiff, d);
      sum += d;
    });
    if (tagsOf(probs, genres, thresholds).join() === app[i].tags.join()) sameTags++;
  }
  return `max |Δp| ${maxDiff.toFixed(4)}, mean ${(sum / (posters.length * genres.length)).toFixed(5)}, same tags ${sameTags}/${posters.length}`;
}

export async function main(argv: string[]): Promise<void> {
  const backbone = arg(argv, 'backbone', 'mobilenet_v2');
  const train = Number(arg(argv, 'train', '300'));
  const n = Number(arg(argv, 'n', '50'));
  const mirror = argv.includes('--mirror');
  const spec = findBackbone(backbone);
  if (!spec) throw new Error(`unknown backbone ${backbone}`);
  if (!fs.existsSync(SHARED)) throw new Error(`${SHARED} is not here (the movie posters data set)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'poster-tagger-bench-onnx-'));
  const b = createBackend({ dataDir: path.join(work, 'data') });
  const call = <K extends CallName>(name: K, input: CallInput<K>) => b.gate.invoke(name, input) as Promise<CallOutput<K>>;
  try {
    const t0 = performance.now();
    const { library, job } = await call('library:open', { path: subsetLibrary(train) });
    await finishJob(b, job.id);
    const started = await call('train:start', { libraryId: library.id, backbone, seed: 1, views: mirror ? 'both' : 'original' });
    await finishJob(b, started.job.id);
    console.log(`trained run #${started.runId} (${backbone}, ${train} posters) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

    const file = path.join(work, 'model.onnx');
    const t1 = performance.now();
    const exported = await call('runs:export', { id: started.runId, file, format: 'onnx' });
    const exportMs = performance.now() - t1;
    const posters = fs
      .readdirSync(path.join(SHARED, 'predict'))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, n)
      .map((f) => path.join(SHARED, 'predict', f));
    const app = await call('predict:files', { runId: started.runId, paths: posters });
    const props = readMetadataProps(fs.readFileSync(file));
    const genres = JSON.parse(props.genres) as string[];
    const thresholds = JSON.parse(props.thresholds) as (number | null)[];

    const size = spec.inputSize;
    const ort = await openWebRuntime(file);
    let maxDiff = 0;
    let sameTags = 0;
    const t2 = performance.now();
    for (const [i, p] of posters.entries()) {
      const pixels = (await decodeViews(fs.readFileSync(p), size, ['original'])).get('original')!;
      const probs = await ort.run(pixels, 1, size);
      genres.forEach((g, j) => (maxDiff = Math.max(maxDiff, Math.abs(app[i].probabilities[g] - probs[j]))));
      if (tagsOf(probs, genres, thresholds).join() === app[i].tags.join()) sameTags++;
    }
    const perPoster = (performance.now() - t2) / posters.length;
    const pil = await pilAgreement(ort, posters, size, app, genres, thresholds);
    await ort.release();
    const checker = skipWithoutPythonOnnx ? `skipped (${skipWithoutPythonOnnx})` : onnxCheckerError(file) || 'passes';
    console.table([
      {
        backbone,
        posters: posters.length,
        genres: genres.length,
        'max |app − ort-web|': maxDiff.toExponential(2),
        'same tags': `${sameTags}/${posters.length}`,
        'file MB': (exported.bytes / 1e6).toFixed(1),
        'export s': (exportMs / 1000).toFixed(1),
        [`ort-web ms/poster (${mirror ? '2 views' : '1 view'})`]: perPoster.toFixed(0),
      },
    ]);
    console.log(`onnx checker: ${checker}`);
    console.log(`README's Python resize (PIL bilinear) instead of the app's (libvips): ${pil}`);
  } finally {
    await b.close();
    await closeIdleWorkers();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
