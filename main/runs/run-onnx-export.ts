/**
 * A run's model as one standalone ONNX file (see ml/onnx/standalone-model): uint8 RGB in, one probability
 * per genre out, with the genres, the run's thresholds (its decision rule under its saved tagging
 * settings), the preprocessing and the provenance in metadata_props, so another program needs nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import type { Db } from '../db/database';
import { hashBuffer } from '../core/content-hash';
import { InvalidError } from '../core/errors';
import { backboneDir, modelsDir, onnxFileOf, onnxStatus, type BackboneEntry } from '../ml/backbones/registry';
import type { BackboneVariant } from '../ml/backbones/types';
import { cacheLayout } from '../ml/features/embedding-store';
import { buildStandaloneModel, STANDALONE_INPUT, STANDALONE_OUTPUT, type DenseLayer } from '../ml/onnx/standalone-model';
import { writeFileAtomic } from '../tagging/atomic-file';
import { displayThresholds, type TagOptions } from './head-tags';
import { headColumns, variantOf, viewsOf, type LoadedHead } from './model-io';
import type { Predictor } from './predictor';
import type { Run } from './runs-repo';
import { exportableRun, exportTarget, type ExportResult } from './run-transfer';
import packageJson from '../../package.json';

/** Which build of the backbone graph goes into the file; the one the run's embeddings came from. */
export type { BackboneVariant };

/** The backbone's ONNX file of a variant, refused when it is missing or failed its check against the reference. */
export function backboneOnnxFile(entry: BackboneEntry, variant: BackboneVariant = 'float32', dir = entry.dir ?? backboneDir(entry.id, modelsDir())): string {
  const status = onnxStatus(dir, variant, entry.format);
  if (!status.usable) throw new InvalidError(`The backbone ${entry.id} has no usable ${variant} ONNX graph to export (${status.reason}).`);
  return path.join(dir, onnxFileOf(variant));
}

/** The head's dense layers as plain arrays (a TF.js Sequential of Dense layers: input side first). */
export function denseLayers(model: LayersModel): DenseLayer[] {
  return model.layers.map((layer) => {
    const [kernel, bias] = layer.getWeights() as Tensor[];
    const activation = String((layer.getConfig() as { activation?: string }).activation ?? 'linear');
    if (!kernel || !bias || kernel.shape.length !== 2 || !['relu', 'sigmoid', 'linear'].includes(activation))
      throw new InvalidError(`The model's layer ${layer.name} is not a dense layer this export knows.`);
    const [inputs, units] = kernel.shape as [number, number];
    return {
      kernel: kernel.dataSync() as Float32Array,
      bias: bias.dataSync() as Float32Array,
      inputs,
      units,
      activation: activation as DenseLayer['activation'],
    };
  });
}

/** The metadata a reader needs: genres, the rule's thresholds, preprocessing and where the model came from. */
export function exportMetadata(
  run: Run,
  head: LoadedHead,
  entry: BackboneEntry,
  opts: TagOptions,
  extra: { backboneSha256: string; precision: string; variant: BackboneVariant },
) {
  const genres = head.genres;
  const single = opts.threshold ?? null;
  const shown = displayThresholds(head, opts);
  const thresholds = genres.map((_, j) => (single !== null ? single : shown.auto[j] ? shown.thresholds[j] : null));
  const size = entry.inputSize;
  const values = entry.preprocessing.kind === 'scale' ? `(x - ${entry.preprocessing.mean}) / ${entry.preprocessing.std}` : 'x (0..255)';
  const meta: Record<string, unknown> = {
    genres,
    thresholds,
    decision_rule: {
      mode: opts.mode ?? 'balanced',
      maxTags: opts.maxTags ?? null,
      thresholds,
      suggestionThresholds: genres.map((_, j) => (single === null && !shown.auto[j] ? shown.thresholds[j] : null)),
      rule:
        'A genre is a tag when its probability >= its threshold; a null threshold means the genre is never tagged automatically ' +
        '(at its suggestion threshold it is only a suggestion). Tags are ordered by probability, at most maxTags of them when set.',
      savedThresholds: Boolean(opts.overrides?.some((t) => t !== null && t !== undefined)),
    },
    preprocessing: {
      input: `${STANDALONE_INPUT}: uint8 [batch, ${size}, ${size}, 3], RGB, NHWC`,
      resize: `stretch the whole image to ${size}x${size} ignoring its aspect ratio (no crop, no padding), bilinear; EXIF orientation applied, alpha dropped, sRGB`,
      values: `${values}, inside the model`,
      views:
        viewsOf(head.metadata) === 'both'
          ? 'the model averages the probabilities of the image and of its mirror image (flipped left-right), inside the model'
          : 'the image as it is (the run was trained without its mirror image)',
      embedding: extra.precision === 'f16' ? 'rounded to float16 inside the model, as the app caches it' : 'float32',
      output: `${STANDALONE_OUTPUT}: float32 [batch, ${genres.length}], one sigmoid probability per genre, in the order of "genres"`,
    },
    provenance: {
      app: `Poster Tagger ${packageJson.version}`,
      run: run.id,
      dataset: run.dataset,
      trainedAt: head.metadata.createdAt,
      exportedAt: new Date().toISOString(),
      head: head.metadata.head,
      headWeightsSha256: head.metadata.weightsSha256,
      backbone: {
        id: entry.id,
        label: entry.label,
        source: entry.source,
        licence: entry.licence,
        files: entry.sha256,
        onnxSha256: extra.backboneSha256,
        variant: extra.variant,
      },
      metrics: { mAP: head.metadata.metrics.mAP, microF1: head.metadata.metrics.microF1, macroF1: head.metadata.metrics.macroF1 },
      evaluation: head.metadata.evaluation?.outOfFold ? 'out-of-fold (cross-validation)' : 'validation posters',
    },
  };
  return Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, JSON.stringify(v)]));
}

/** Writes run `runId` as a standalone .onnx file; an existing file is only replaced with `overwrite`. */
export async function exportRunOnnx(
  db: Db,
  predictor: Pick<Predictor, 'head' | 'tagOptions' | 'catalog'>,
  runId: number,
  file: string,
  opts: { overwrite?: boolean; variant?: BackboneVariant } = {},
): Promise<ExportResult> {
  const run = exportableRun(db, runId);
  const target = exportTarget(file, 'model.onnx');
  if (fs.existsSync(target) && !opts.overwrite) return { file: target, bytes: 0, exists: target };
  const head = await predictor.head(runId);
  const entry = predictor.catalog.find(head.metadata.backbone.id);
  if (!entry) throw new InvalidError(`This model needs the backbone "${head.metadata.backbone.id}", which this version of Poster Tagger does not know.`);
  // The build the run's embeddings came from, unless asked otherwise (its head was fitted on those).
  const variant = opts.variant ?? variantOf(head.metadata);
  const backbone = await fs.promises.readFile(backboneOnnxFile(entry, variant));
  const precision = cacheLayout(entry.id).precision;
  const bytes = buildStandaloneModel({
    backbone,
    inputSize: entry.inputSize,
    preprocessing: entry.preprocessing,
    embeddingPrecision: precision,
    embeddingSize: entry.embeddingSize,
    columns: headColumns(head.metadata.embeddingSize, entry),
    layers: denseLayers(head.model),
    mirror: viewsOf(head.metadata) === 'both',
    metadata: exportMetadata(run, head, entry, predictor.tagOptions(runId), {
      backboneSha256: hashBuffer(backbone),
      precision,
      variant,
    }),
    producerVersion: packageJson.version,
    docString: `Poster Tagger run #${run.id}: movie genres from a poster. See metadata_props "preprocessing" and "decision_rule".`,
  });
  try {
    await writeFileAtomic(target, bytes);
  } catch (err) {
    throw new InvalidError(`Cannot write ${target}: ${(err as Error).message}`);
  }
  return { file: target, bytes: bytes.length };
}
