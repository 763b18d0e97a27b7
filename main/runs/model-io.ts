/**
 * Trained heads on disk. A model folder holds three files:
 *   model.json    TF.js layers-model topology + weights manifest (the standard format)
 *   weights.bin   the weights, float32
 *   metadata.json what the app needs to use the head (zod-validated, see headMetadataSchema)
 * Written through a custom IOHandler: without tfjs-node there is no file:// handler.
 * metadata.json carries the weights' sha256, so a changed or truncated weights.bin is refused, and it is
 * written last, so an interrupted save never leaves a folder that loads.
 *
 * An export is ONE JSON file: { format, formatVersion, metadata, model, weights (base64), sha256 },
 * where sha256 covers metadata, model and weights; import checks it before writing anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { LayersModel, io } from '@tensorflow/tfjs';
import { loadTf } from '../ml/tf';
import { hashBuffer } from '../core/content-hash';
import { describeWriteError } from '../core/write-error';
import { headShape } from '../ml/head';
import { HeadKind, MetricSummary } from '../../contract/schemas/training';
import { decisionRuleSchema } from '../ml/decision-rule';
import type { BackboneSpec, BackboneVariant } from '../ml/backbones/types';
import type { TrainResult } from '../ml/train';
import packageJson from '../../package.json';

export const HEAD_FORMAT_VERSION = 1;
export const EXPORT_FORMAT = 'poster-tagger-head';
const FILES = { model: 'model.json', weights: 'weights.bin', metadata: 'metadata.json' } as const;

/** A model could not be saved, loaded, exported or imported; the message is for the user. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lower-case hex');
const probability = z.number().min(0).max(1);

export const headMetadataSchema = z
  .object({
    formatVersion: z.literal(HEAD_FORMAT_VERSION),
    head: HeadKind,
    genres: z.array(z.string().min(1)).min(1),
    backbone: z.object({
      id: z.string().min(1),
      /** sha256 of each backbone model file, by file name (as BackboneSpec.sha256). */
      sha256: z.record(z.string(), sha256Hex),
      /** The weights its embeddings came from (absent in older models: float32). */
      variant: z.enum(['float32', 'int8']).optional(),
    }),
    embeddingSize: z.number().int().positive(),
    inputSize: z.number().int().positive(),
    preprocessing: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('raw') }),
      z.object({ kind: z.literal('scale'), mean: z.number(), std: z.number().positive() }),
    ]),
    thresholds: z.array(probability),
    globalThreshold: probability,
    /** Validation metrics at the tuned thresholds (an EvalReport). */
    metrics: MetricSummary.loose(),
    config: z.record(z.string(), z.unknown()),
    /** Default head: the decision rule (modes, genres not tagged automatically); older models have none. */
    decision: decisionRuleSchema.optional(),
    /** How the metrics were measured: out of fold (with intervals) or on validation posters. */
    evaluation: z.looseObject({ outOfFold: z.boolean() }).optional(),
    weightsSha256: sha256Hex,
    appVersion: z.string().min(1),
    createdAt: z.iso.datetime(),
  })
  .superRefine((m, ctx) => {
    if (m.thresholds.length !== m.genres.length) {
      ctx.addIssue({ code: 'custom', path: ['thresholds'], message: `has ${m.thresholds.length} values for ${m.genres.length} genres` });
    }
    if (new Set(m.genres).size !== m.genres.length) ctx.addIssue({ code: 'custom', path: ['genres'], message: 'are not unique' });
  });

export type HeadMetadata = z.infer<typeof headMetadataSchema>;

/** The backbone variant a model's embeddings come from: predicting with it must use the same. */
export function variantOf(m: Pick<HeadMetadata, 'backbone'>): BackboneVariant {
  return m.backbone.variant ?? 'float32';
}
/** The views a model's embeddings average (models saved before the setting: both). */
export function viewsOf(m: Pick<HeadMetadata, 'config'>): 'original' | 'both' {
  return m.config.views === 'original' ? 'original' : 'both';
}

/** What the caller provides; the rest (format, checksum, version, date) is filled in on save. */
export type HeadInfo = Omit<HeadMetadata, 'formatVersion' | 'weightsSha256' | 'appVersion' | 'createdAt'> &
  Partial<Pick<HeadMetadata, 'appVersion' | 'createdAt'>>;

export interface LoadedHead {
  model: LayersModel;
  metadata: HeadMetadata;
  /** Convenience for predictTags(). */
  genres: string[];
  thresholds: number[];
}

/**
 * The embedding columns a head reads out of its backbone's current embedding: all of them, or — for a
 * model trained before the backbone had taps — the last tap's means (the former single-depth embedding).
 */
export function headColumns(headInput: number, spec: Pick<BackboneSpec, 'embeddingSize' | 'taps'>): { start: number; size: number } {
  if (headInput === spec.embeddingSize) return { start: 0, size: headInput };
  const last = spec.taps?.at(-1);
  if (last && !last.std && last.channels === headInput) return { start: spec.embeddingSize - last.channels, size: last.channels };
  throw new ModelFileError(`This model takes embeddings of ${headInput} values but its backbone now gives ${spec.embeddingSize}; train it again.`);
}

/** Rows of `x` (n × full) cut to the columns a head reads. */
export function selectColumns(x: Float32Array, n: number, full: number, cols: { start: number; size: number }): Float32Array {
  if (cols.start === 0 && cols.size === full) return x;
  const out = new Float32Array(n * cols.size);
  for (let i = 0; i < n; i++) out.set(x.subarray(i * full + cols.start, i * full + cols.start + cols.size), i * cols.size);
  return out;
}

const exportSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  formatVersion: z.literal(HEAD_FORMAT_VERSION),
  metadata: z.unknown(),
  model: z.record(z.string(), z.unknown()),
  weights: z.string(),
  sha256: sha256Hex,
});

function issues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(top level)'} ${i.message}`).join('; ');
}

/** Builds the metadata a save needs from a training result and the backbone that made the embeddings. */
export function headInfoFromTraining(
  result: TrainResult,
  backbone: Pick<BackboneSpec, 'id' | 'sha256' | 'inputSize' | 'preprocessing'> & { variant?: BackboneVariant },
): HeadInfo {
  return {
    head: result.config.head,
    genres: result.genres,
    backbone: { id: backbone.id, sha256: backbone.sha256, ...(backbone.variant === 'int8' ? { variant: 'int8' as const } : {}) },
    embeddingSize: result.embeddingSize,
    inputSize: backbone.inputSize,
    preprocessing: backbone.preprocessing,
    thresholds: result.thresholds,
    globalThreshold: result.globalThreshold,
    metrics: JSON.parse(JSON.stringify(result.metrics)),
    config: { ...result.config },
    ...(result.decision ? { decision: result.decision } : {}),
    evaluation: result.crossValidation
      ? {
          outOfFold: true,
          folds: result.crossValidation.folds,
          c: result.crossValidation.c,
          intervals: result.crossValidation.intervals,
          warnings: result.crossValidation.warnings,
        }
      : { outOfFold: false },
  };
}

/** Checks metadata against the schema and against the model's actual shape. */
function validateMetadata(raw: unknown, where: string): HeadMetadata {
  const parsed = headMetadataSchema.safeParse(raw);
  if (!parsed.success) throw new ModelFileError(`The model's metadata (${where}) is invalid: ${issues(parsed.error)}`);
  return parsed.data;
}

function checkShape(model: LayersModel, meta: Pick<HeadMetadata, 'genres' | 'embeddingSize'>): void {
  const { inputDim, genres } = headShape(model);
  if (genres !== meta.genres.length) throw new ModelFileError(`The model outputs ${genres} genres but its metadata lists ${meta.genres.length}`);
  if (inputDim !== meta.embeddingSize) throw new ModelFileError(`The model takes embeddings of size ${inputDim} but its metadata says ${meta.embeddingSize}`);
}

function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    // A full or read-only disk: leave no half-written temp file in the user's folder, say why in plain words.
    fs.rmSync(tmp, { force: true });
    throw new ModelFileError(describeWriteError(err, file));
  }
}

function prepareFolder(dir: string, overwrite: boolean): void {
  if (fs.existsSync(path.join(dir, FILES.metadata)) && !overwrite) {
    throw new ModelFileError(`A model already exists in ${dir}; choose another folder or allow overwriting`);
  }
  fs.mkdirSync(dir, { recursive: true });
}

/** Weights before model.json before metadata.json: metadata (with the weights' checksum) commits the save. */
function writeFolder(dir: string, modelJson: io.ModelJSON, weights: Uint8Array, metadata: HeadMetadata): void {
  writeFileAtomic(path.join(dir, FILES.weights), weights);
  writeFileAtomic(path.join(dir, FILES.model), JSON.stringify(modelJson));
  writeFileAtomic(path.join(dir, FILES.metadata), JSON.stringify(metadata, null, 2));
}

/** The model's topology and weights as the standard model.json + one weights buffer. */
async function serialise(model: LayersModel): Promise<{ modelJson: io.ModelJSON; weights: Uint8Array }> {
  const { tf } = await loadTf();
  let captured: { modelJson: io.ModelJSON; weights: Uint8Array } | undefined;
  await model.save({
    save: async (artifacts: io.ModelArtifacts) => {
      if (!artifacts.weightSpecs || !artifacts.weightData || !artifacts.modelTopology) throw new ModelFileError('The model has no weights to save');
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      captured = {
        modelJson: {
          modelTopology: artifacts.modelTopology as object,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          weightsManifest: [{ paths: [FILES.weights], weights: artifacts.weightSpecs }],
        },
        weights,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    },
  });
  if (!captured) throw new ModelFileError('The model did not save');
  return captured;
}

async function deserialise(modelJson: io.ModelJSON, weights: Uint8Array): Promise<LayersModel> {
  const { tf } = await loadTf();
  const manifest = modelJson.weightsManifest;
  if (!Array.isArray(manifest) || manifest.length !== 1) throw new ModelFileError('model.json must list exactly one weights file');
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  try {
    return await tf.loadLayersModel({
      load: async () => ({
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        weightSpecs: manifest[0].weights,
        weightData,
      }),
    });
  } catch (err) {
    throw new ModelFileError(`model.json and weights.bin do not form a valid model: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Saves a trained head into `dir` (created if needed). Returns the metadata written. */
export async function saveHead(dir: string, model: LayersModel, info: HeadInfo, opts: { overwrite?: boolean } = {}): Promise<HeadMetadata> {
  const { modelJson, weights } = await serialise(model);
  const metadata = validateMetadata(
    {
      formatVersion: HEAD_FORMAT_VERSION,
      ...info,
      weightsSha256: hashBuffer(weights),
      appVersion: info.appVersion ?? packageJson.version,
      createdAt: info.createdAt ?? new Date().toISOString(),
    },
    'to be saved',
  );
  checkShape(model, metadata);
  prepareFolder(dir, opts.overwrite ?? false);
  writeFolder(dir, modelJson, weights, metadata);
  return metadata;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelFileError(code === 'ENOENT' ? `No ${what} at ${file}` : `Cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ModelFileError(`${file} is not valid JSON (damaged ${what}?)`);
  }
}

/** Reads and checks the three files without building the model. */
function readFolder(dir: string): { metadata: HeadMetadata; modelJson: io.ModelJSON; weights: Uint8Array } {
  const metadata = validateMetadata(readJson(path.join(dir, FILES.metadata), 'model metadata'), path.join(dir, FILES.metadata));
  const modelJson = readJson(path.join(dir, FILES.model), 'model description') as io.ModelJSON;
  let weights: Uint8Array;
  try {
    weights = fs.readFileSync(path.join(dir, FILES.weights));
  } catch (err) {
    throw new ModelFileError(`Cannot read the model's weights in ${dir}: ${(err as Error).message}`);
  }
  if (hashBuffer(weights) !== metadata.weightsSha256) {
    throw new ModelFileError(`The weights in ${dir} do not match the checksum in metadata.json: the file is damaged or was changed`);
  }
  return { metadata, modelJson, weights };
}

/**
 * A saved head's metadata.json alone (checked against the schema, weights not read): enough to tag from
 * stored probabilities, which needs the genres, thresholds and decision rule but not the model.
 */
export function readHeadMetadata(dir: string): HeadMetadata {
  const file = path.join(dir, FILES.metadata);
  return validateMetadata(readJson(file, 'model metadata'), file);
}

/** Loads a saved head; refuses damaged, changed or inconsistent files with a ModelFileError. */
export async function loadHead(dir: string): Promise<LoadedHead> {
  const { metadata, modelJson, weights } = readFolder(dir);
  const model = await deserialise(modelJson, weights);
  try {
    checkShape(model, metadata);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, metadata, genres: metadata.genres, thresholds: metadata.thresholds };
}

function contentHash(metadata: unknown, modelJson: unknown, weights: Uint8Array): string {
  const text = Buffer.from(`${JSON.stringify(metadata)}\n${JSON.stringify(modelJson)}\n`, 'utf8');
  return hashBuffer(Buffer.concat([text, weights]));
}

/**
 * Writes the model folder `dir` as one portable file. `evaluation`: the run's summary of how it was
 * measured (kind, n, folds, intervals, warnings, …), merged into metadata.evaluation so an import can say
 * the same; readers that predate it ignore the extra fields.
 */
export function exportHead(dir: string, file: string, opts: { evaluation?: { kind: string } & Record<string, unknown> } = {}): HeadMetadata {
  const folder = readFolder(dir);
  const { modelJson, weights } = folder;
  const metadata: HeadMetadata = opts.evaluation
    ? { ...folder.metadata, evaluation: { ...folder.metadata.evaluation, ...opts.evaluation, outOfFold: opts.evaluation.kind === 'cross-validation' } }
    : folder.metadata;
  const container = {
    format: EXPORT_FORMAT,
    formatVersion: HEAD_FORMAT_VERSION,
    metadata,
    model: modelJson,
    weights: Buffer.from(weights).toString('base64'),
    sha256: contentHash(metadata, modelJson, weights),
  };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, JSON.stringify(container));
  return metadata;
}

/** Reads and fully checks an exported file; nothing is written. */
export function readHeadExport(file: string): { metadata: HeadMetadata; modelJson: io.ModelJSON; weights: Uint8Array; sha256: string } {
  const parsed = exportSchema.safeParse(readJson(file, 'exported model'));
  if (!parsed.success) throw new ModelFileError(`${file} is not a Poster Tagger model export: ${issues(parsed.error)}`);
  const c = parsed.data;
  const weights = new Uint8Array(Buffer.from(c.weights, 'base64'));
  if (contentHash(c.metadata, c.model, weights) !== c.sha256) {
    throw new ModelFileError(`${file} does not match its checksum: the file is damaged or was changed`);
  }
  const metadata = validateMetadata(c.metadata, file);
  if (hashBuffer(weights) !== metadata.weightsSha256) throw new ModelFileError(`The weights in ${file} do not match the checksum in its metadata`);
  return { metadata, modelJson: c.model as unknown as io.ModelJSON, weights, sha256: c.sha256 };
}

/** Unpacks an exported file into the model folder `dir` after checking it, and loads it to be sure. */
export async function importHead(file: string, dir: string, opts: { overwrite?: boolean } = {}): Promise<HeadMetadata> {
  const { metadata, modelJson, weights } = readHeadExport(file);
  const model = await deserialise(modelJson, weights);
  try {
    checkShape(model, metadata);
  } finally {
    model.dispose();
  }
  prepareFolder(dir, opts.overwrite ?? false);
  writeFolder(dir, modelJson, weights, metadata);
  return metadata;
}
