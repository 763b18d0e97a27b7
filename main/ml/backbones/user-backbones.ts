/**
 * Backbones installed in the data folder's `backbones/` dir (downloaded or imported TF.js graph
 * models), each in `<dir>/<id>/` with a manifest.json recording the spec and every file's sha256.
 * The catalogue (catalog.ts) lists them next to the bundled ones.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadTf } from '../tf';
import { readGraphModelFiles } from './tfjs-graph-files';
import type { BackboneEntry } from './registry';
import type { Preprocessing } from './types';

export const MANIFEST_FILE = 'manifest.json';

const PreprocessingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('raw') }),
  z.object({ kind: z.literal('scale'), mean: z.number(), std: z.number() }),
]);

export const BackboneManifest = z.object({
  format: z.literal(1),
  kind: z.enum(['downloaded', 'imported']),
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  label: z.string(),
  source: z.string(),
  licence: z.string(),
  inputSize: z.number().int().positive(),
  preprocessing: PreprocessingSchema,
  inputNode: z.string(),
  embeddingNode: z.string(),
  embeddingSize: z.number().int().positive(),
  modelFile: z.string(),
  sha256: z.record(z.string(), z.string()),
  installedAt: z.string(),
});
export type BackboneManifest = z.infer<typeof BackboneManifest>;

function sha256Of(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export function entryFromManifest(m: BackboneManifest, dir: string): BackboneEntry {
  return {
    id: m.id,
    label: m.label,
    source: m.source,
    licence: m.licence,
    inputSize: m.inputSize,
    preprocessing: m.preprocessing,
    embeddingNode: m.embeddingNode,
    embeddingSize: m.embeddingSize,
    sha256: m.sha256,
    package: { name: '', version: '' },
    files: {},
    format: 'tfjs-graph',
    modelFile: m.modelFile,
    inputNode: m.inputNode,
    dir,
  };
}

export function readManifest(dir: string): BackboneManifest | undefined {
  try {
    const parsed = BackboneManifest.safeParse(JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Installed backbones under `dir` (folders with a readable manifest; temp folders start with "."). */
export function installedUserBackbones(dir: string | undefined): BackboneEntry[] {
  if (!dir || !fs.existsSync(dir)) return [];
  const out: BackboneEntry[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const sub = path.join(dir, name);
    const m = readManifest(sub);
    if (m && m.id === name) out.push(entryFromManifest(m, sub));
  }
  return out;
}

// --- checking and installing a graph model folder ---------------------------------------------

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2, complex64: 8 };

/** Byte size a weights group must have, from its manifest (quantized weights use their stored dtype). */
export function expectedGroupBytes(weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[]): number {
  let total = 0;
  for (const w of weights) {
    const q = w.quantization as { dtype?: string } | undefined;
    const dtype = q?.dtype ?? w.dtype;
    const per = BYTES[dtype];
    if (per === undefined) throw new Error(`weight ${w.name} has dtype ${dtype}, which this app cannot check`);
    total += w.shape.reduce((a, b) => a * b, 1) * per;
  }
  return total;
}

export interface WeightsManifestJson {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[];
  modelTopology?: unknown;
}

/** Parses model.json text; throws a readable error when it is not a TF.js graph model. */
export function parseModelJson(text: string, where: string): WeightsManifestJson {
  let json: WeightsManifestJson;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where} is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${where} is not a TF.js graph model (no modelTopology or weightsManifest)`);
  }
  for (const g of json.weightsManifest) {
    if (!Array.isArray(g?.paths) || !Array.isArray(g?.weights)) throw new Error(`${where} has a malformed weightsManifest`);
    for (const p of g.paths) {
      // Shards must stay inside the model folder.
      if (typeof p !== 'string' || !p || p.includes('/') || p.includes('\\') || p.startsWith('.'))
        throw new Error(`${where} names an unsafe weight file "${p}"`);
    }
  }
  return json;
}

/** Checks that every shard of every group is present and the group adds up to the manifest's byte size. */
export function checkShardSizes(dir: string, json: WeightsManifestJson): void {
  for (const g of json.weightsManifest) {
    let got = 0;
    for (const p of g.paths) {
      const file = path.join(dir, p);
      if (!fs.existsSync(file)) throw new Error(`weight file ${p} is missing`);
      got += fs.statSync(file).size;
    }
    const want = expectedGroupBytes(g.weights);
    if (got !== want)
      throw new Error(`weight files ${g.paths.join(', ')} hold ${got} bytes, the model needs ${want} (${got < want ? 'truncated' : 'too long'})`);
  }
}

export interface ProbeResult {
  inputNode: string;
  embeddingNode: string;
  embeddingSize: number;
}

/**
 * Loads the graph model in `dir` with TF.js and runs one grey test image through it: the model must
 * have one image input and give a finite vector (spatial outputs are averaged, as the engine does).
 */
export async function probeGraphModel(dir: string, inputSize: number, preprocessing: Preprocessing, embeddingNode?: string): Promise<ProbeResult> {
  const { tf } = await loadTf();
  // Loaded exactly as the TF.js engine loads it (no signature), so the node names found here work there.
  const files = readGraphModelFiles(dir, 'model.json');
  let model: Awaited<ReturnType<typeof tf.loadGraphModel>>;
  try {
    model = await tf.loadGraphModel({
      load: async () => ({
        modelTopology: files.json.modelTopology,
        weightSpecs: files.weightSpecs as Parameters<typeof tf.io.fromMemory>[1],
        weightData: files.weightData,
      }),
    });
  } catch (err) {
    throw new Error(`TF.js cannot load the model: ${(err as Error).message}`, { cause: err });
  }
  try {
    if (model.inputs.length !== 1)
      throw new Error(`the model has ${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(', ')}); expected one image input`);
    const inputNode = model.inputs[0].name;
    const output = embeddingNode ?? model.outputs[0]?.name;
    if (!output) throw new Error('the model has no output');
    const grey = preprocessing.kind === 'raw' ? 128 : (128 - preprocessing.mean) / preprocessing.std;
    const data = tf.tidy(() => {
      const x = tf.fill([1, inputSize, inputSize, 3], grey);
      const y = model.execute({ [inputNode]: x }, output) as ReturnType<typeof tf.tensor>;
      if (y.rank === 4) return tf.mean(y, [1, 2]);
      if (y.rank === 2) return y;
      throw new Error(`output ${output} has shape [${y.shape.join(', ')}]; expected [N, C] or [N, H, W, C]`);
    });
    const values = (await data.data()) as Float32Array;
    data.dispose();
    if (values.length === 0 || !values.every(Number.isFinite)) throw new Error(`output ${output} is empty or not finite for a test image`);
    return { inputNode, embeddingNode: output, embeddingSize: values.length };
  } catch (err) {
    throw new Error(`the model does not run on a ${inputSize}×${inputSize} test image: ${(err as Error).message}`, { cause: err });
  } finally {
    model.dispose();
  }
}

export type ManifestFields = Omit<BackboneManifest, 'format' | 'sha256' | 'installedAt' | 'inputNode' | 'embeddingNode' | 'embeddingSize' | 'modelFile'>;

/**
 * Finishes an install from a temp folder holding model.json + shards: checks sizes, probes the model,
 * writes manifest.json with every file's sha256, then renames the folder into `<backbonesDir>/<id>`
 * (replacing an older copy only after the new one is complete).
 */
export async function finishInstall(tmp: string, backbonesDir: string, fields: ManifestFields, embeddingNode?: string): Promise<BackboneEntry> {
  const json = parseModelJson(fs.readFileSync(path.join(tmp, 'model.json'), 'utf8'), 'model.json');
  checkShardSizes(tmp, json);
  const probe = await probeGraphModel(tmp, fields.inputSize, fields.preprocessing, embeddingNode);
  const files = ['model.json', ...json.weightsManifest.flatMap((g) => g.paths)];
  const manifest: BackboneManifest = {
    format: 1,
    ...fields,
    ...probe,
    modelFile: 'model.json',
    sha256: Object.fromEntries(files.map((f) => [f, sha256Of(path.join(tmp, f))])),
    installedAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  const target = path.join(backbonesDir, fields.id);
  if (fs.existsSync(target)) {
    const old = path.join(backbonesDir, `.old-${fields.id}-${process.pid}-${Date.now()}`);
    fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, target);
  }
  return entryFromManifest(manifest, target);
}

/** A fresh temp folder inside the backbones dir (same file system, so the final rename is atomic). */
export function makeTempInstallDir(backbonesDir: string, id: string): string {
  fs.mkdirSync(backbonesDir, { recursive: true });
  return fs.mkdtempSync(path.join(backbonesDir, `.tmp-${id}-`));
}

// --- import from a folder ------------------------------------------------------------------------

export interface ImportBackboneOptions {
  /** Default: the folder name, lower-cased to [a-z0-9_-]. */
  id?: string;
  label?: string;
  inputSize: number;
  /** Node whose output is the embedding; default: the model's (first) output. */
  embeddingNode?: string;
  /** Default: 0..255 scaled to 0..1, as TF Hub image models expect. */
  preprocessing?: Preprocessing;
  /** The data folder's backbones dir (BackboneCatalog.userDir). */
  backbonesDir: string;
}

/** Copies a TF.js graph model (model.json + shards) from `dir` into the backbones dir, checked and with a manifest. */
export async function importBackboneFolder(dir: string, opts: ImportBackboneOptions): Promise<BackboneEntry> {
  const { backbonesDir } = opts;
  const src = path.resolve(dir);
  const jsonFile = path.join(src, 'model.json');
  if (!fs.existsSync(jsonFile)) throw new Error(`${src} has no model.json (a TF.js graph model folder is expected)`);
  const id =
    opts.id ??
    (path
      .basename(src)
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '_')
      .replace(/^[^a-z0-9]+/, '') ||
      'imported');
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(id)) throw new Error(`"${id}" is not a valid backbone id (use a-z, 0-9, _ and -)`);
  const json = parseModelJson(fs.readFileSync(jsonFile, 'utf8'), jsonFile);
  checkShardSizes(src, json);
  const tmp = makeTempInstallDir(backbonesDir, id);
  try {
    for (const f of ['model.json', ...json.weightsManifest.flatMap((g) => g.paths)]) fs.copyFileSync(path.join(src, f), path.join(tmp, f));
    return await finishInstall(
      tmp,
      backbonesDir,
      {
        kind: 'imported',
        id,
        label: opts.label ?? `${path.basename(src)} (imported)`,
        source: `imported from ${src}`,
        licence: 'unknown (imported by the user)',
        inputSize: opts.inputSize,
        preprocessing: opts.preprocessing ?? { kind: 'scale', mean: 0, std: 255 },
      },
      opts.embeddingNode,
    );
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`Cannot import the backbone from ${src}: ${(err as Error).message}`, { cause: err });
  }
}
