/**
 * The trainable classifier heads on top of frozen backbone embeddings.
 * - `baseline`: the tutorial's head (ImageClassifier(multi_label=True) with a frozen backbone): one
 *   dense layer with sigmoid outputs, plain binary cross-entropy, Adam 1e-3, raw embeddings.
 * - `default`: one hidden ReLU layer with dropout, L2 on the kernels and positive-class weighting so
 *   rare genres are not drowned by "no" answers, on raw embeddings.
 * Input standardisation is available (`standardize`) but off by default: on the real posters' embeddings
 * (post-ReLU pooled activations, many dimensions rarely active) it blows rarely active dimensions up to
 * unit variance and the hidden layer overfits them within a few epochs. Measured on val/ of the movie
 * posters (3,000 train, 25 genres, mean of seeds): mAP 0.253 → 0.275 with inception_v3 and 0.206 → 0.223
 * with mobilenet_v2 once it is off (scripts/bench/quality.ts reports the held-out test numbers).
 * Both are plain tf.layers Sequential models so they save/load as standard TF.js `model.json`; when
 * used, the standardisation is folded into the first kernel after training (see foldStandardisation),
 * so a saved head takes raw embeddings and needs no custom layer.
 */
import type { z } from 'zod';
import { HeadKind, TrainSettings } from '../../contract/schemas/training';
import type { LayersModel, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { deriveSeed } from './random';

type Tf = typeof import('@tensorflow/tfjs');

/** The head kinds (the contract's HeadKind). */
export const HEAD_KINDS = HeadKind.options;
export type HeadKind = z.infer<typeof HeadKind>;

/** Settings as given (everything optional) and as validated (the contract's TrainSettings). */
export type TrainSettingsInput = z.input<typeof TrainSettings>;
export type TrainSettingsValue = z.output<typeof TrainSettings>;
/** Validated settings with the head's own defaults filled in: what a run stores and the worker trains with. */
export type TrainConfig = Required<TrainSettingsValue>;

const HEAD_DEFAULTS: Record<HeadKind, Pick<TrainConfig, 'hiddenUnits' | 'dropout' | 'l2' | 'positiveWeighting' | 'maxPositiveWeight' | 'standardize'>> = {
  baseline: { hiddenUnits: 0, dropout: 0, l2: 0, positiveWeighting: false, maxPositiveWeight: 1, standardize: false },
  default: { hiddenUnits: 0, dropout: 0, l2: 0, positiveWeighting: false, maxPositiveWeight: 1, standardize: true },
  mlp: { hiddenUnits: 128, dropout: 0.3, l2: 1e-4, positiveWeighting: true, maxPositiveWeight: 3, standardize: false },
};

/** Fills in the chosen head's defaults of settings already validated (no second validation). */
export function withHeadDefaults(c: TrainSettingsValue): TrainConfig {
  const d = HEAD_DEFAULTS[c.head];
  const base = c.head === 'baseline' ? { ...c, ...d } : c; // the baseline is the tutorial's, not tunable
  return {
    ...base,
    hiddenUnits: base.hiddenUnits ?? d.hiddenUnits,
    dropout: base.dropout ?? d.dropout,
    l2: base.l2 ?? d.l2,
    positiveWeighting: base.positiveWeighting ?? d.positiveWeighting,
    maxPositiveWeight: base.maxPositiveWeight ?? d.maxPositiveWeight,
    standardize: base.standardize ?? d.standardize,
  };
}

/**
 * Validates settings given in code (tests, benches; the app's are validated at the gate) and fills in
 * the head's defaults; throws a readable message.
 */
export function trainConfig(input: TrainSettingsInput = {}): TrainConfig {
  const parsed = TrainSettings.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new Error(`Invalid training settings: ${issues}`);
  }
  return withHeadDefaults(parsed.data);
}

/**
 * A run's stored config read back: parsed with the same schema. A setting an older or foreign version
 * wrote that no longer validates falls back to its default rather than hiding the run.
 */
export function storedTrainConfig(raw: unknown): TrainConfig {
  const record = raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : {};
  const first = TrainSettings.safeParse(record);
  if (first.success) return withHeadDefaults(first.data);
  for (const issue of first.error.issues) if (typeof issue.path[0] === 'string') delete record[issue.path[0]];
  const second = TrainSettings.safeParse(record);
  return withHeadDefaults(second.success ? second.data : TrainSettings.parse({}));
}

/** The head as a Sequential model with seeded initialisers; outputs are per-genre probabilities. */
export function buildHeadModel(tf: Tf, config: TrainConfig, inputDim: number, genres: number): LayersModel {
  const init = (stream: number) => tf.initializers.glorotUniform({ seed: deriveSeed(config.seed, stream) });
  const model = tf.sequential({ name: `poster_tagger_head_${config.head}` });
  if (config.head === 'mlp' && config.hiddenUnits > 0) {
    model.add(tf.layers.dense({ name: 'hidden', inputShape: [inputDim], units: config.hiddenUnits, activation: 'relu', kernelInitializer: init(1) }));
    model.add(tf.layers.dense({ name: 'genres', units: genres, activation: 'sigmoid', kernelInitializer: init(2) }));
  } else {
    model.add(tf.layers.dense({ name: 'genres', inputShape: [inputDim], units: genres, activation: 'sigmoid', kernelInitializer: init(2) }));
  }
  return model;
}

export interface DenseParams {
  kernel: Variable;
  bias: Variable;
}

/** The model's dense layers' variables, input side first: what the training loop updates. */
export function denseParams(model: LayersModel): DenseParams[] {
  return model.layers.map((layer) => {
    const [kernel, bias] = layer.trainableWeights.map((w) => w.read() as Variable);
    if (!kernel || !bias) throw new Error(`Layer ${layer.name} is not a dense layer with a bias`);
    return { kernel, bias };
  });
}

/** Number of output genres and input size of a head model. */
export function headShape(model: LayersModel): { inputDim: number; genres: number } {
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  const inputDim = inShape[inShape.length - 1];
  const genres = outShape[outShape.length - 1];
  if (typeof inputDim !== 'number' || typeof genres !== 'number') throw new Error('The head model has no fixed input or output size');
  return { inputDim, genres };
}

/**
 * x·w whose weight gradient is computed as transpose(x)·dy with an explicit transpose: the wasm
 * backend's matMul with a transposed operand is ~15× slower than transpose + plain matMul (measured:
 * 18 ms vs 2 ms for a 64×2048 batch), and tf's built-in gradient uses the transposed form. `x` is data,
 * so no gradient is computed for it.
 */
function dataMatMul(tf: Tf, x: Tensor2D, w: Tensor): Tensor2D {
  const op = tf.customGrad((weight) => ({
    value: tf.matMul(x, weight as Tensor2D),
    gradFunc: (dy) => tf.matMul(tf.transpose(x), dy as Tensor2D),
  }));
  return op(w) as Tensor2D;
}

/** a·b with both gradients through explicit transposes (see dataMatMul). */
function fastMatMul(tf: Tf, a: Tensor, b: Tensor): Tensor2D {
  const op = tf.customGrad((aIn, bIn, save) => {
    (save as (t: Tensor[]) => void)([aIn as Tensor, bIn as Tensor]);
    return {
      value: tf.matMul(aIn as Tensor2D, bIn as Tensor2D),
      gradFunc: (dy, [sa, sb]) => [tf.matMul(dy as Tensor2D, tf.transpose(sb as Tensor2D)), tf.matMul(tf.transpose(sa as Tensor2D), dy as Tensor2D)],
    };
  });
  return op(a, b) as Tensor2D;
}

/**
 * Training-time forward pass to logits (pre-sigmoid) with dropout on the hidden layer.
 * `dropoutSeed` makes each batch's mask reproducible while differing between batches.
 */
export function trainingLogits(tf: Tf, params: DenseParams[], x: Tensor2D, dropout: number, dropoutSeed: number): Tensor2D {
  if (params.length === 1) return tf.add(dataMatMul(tf, x, params[0].kernel), params[0].bias);
  let h = tf.relu(tf.add(dataMatMul(tf, x, params[0].kernel), params[0].bias)) as Tensor2D;
  if (dropout > 0) {
    const keep = tf.cast(tf.greaterEqual(tf.randomUniform(h.shape, 0, 1, 'float32', dropoutSeed), dropout), 'float32');
    h = tf.mul(h, tf.mul(keep, 1 / (1 - dropout)));
  }
  return tf.add(fastMatMul(tf, h, params[1].kernel), params[1].bias);
}

/**
 * Mean binary cross-entropy on logits, numerically stable, with positives of genre g weighted by
 * posWeight[g]: (1-y)·z + (1 + (w-1)·y)·softplus(-z). With w = 1 this is the usual BCE.
 */
export function weightedBceFromLogits(tf: Tf, logits: Tensor2D, targets: Tensor2D, posWeight?: Tensor1D): Tensor {
  const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(logits)))), tf.relu(tf.neg(logits)));
  const negTerm = tf.mul(tf.sub(1, targets), logits);
  const factor = posWeight ? tf.add(1, tf.mul(tf.sub(posWeight, 1), targets)) : undefined;
  return tf.mean(tf.add(negTerm, factor ? tf.mul(factor, softplusNeg) : softplusNeg));
}

/**
 * Adds the gradient of Keras' L2 penalty `l2 * sum(w²)` on the kernels (not biases), 2·l2·w, to the
 * gradients. Done outside autograd because tf's gradient of sum() builds a ones tensor the size of the
 * kernel in JavaScript on every step (measured: 6% of a training run).
 */
export function addL2Gradients(tf: Tf, grads: Record<string, Tensor>, params: DenseParams[], l2: number): void {
  for (const { kernel } of params) {
    const g = grads[kernel.name];
    if (g) grads[kernel.name] = tf.add(g, tf.mul(kernel, 2 * l2));
  }
}

/** Per-genre positive weights min(max, sqrt(neg/pos)), at least 1; 1 for genres without positives. */
export function positiveWeights(y: ArrayLike<number>, n: number, g: number, max: number): Float32Array {
  const pos = new Array<number>(g).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) if (y[i * g + j] > 0.5) pos[j]++;
  return Float32Array.from(pos, (p) => (p === 0 ? 1 : Math.min(max, Math.max(1, Math.sqrt((n - p) / p)))));
}

/** Per-dimension mean and std (std floored so constant dimensions stay finite). */
export function standardisation(x: Float32Array, n: number, dim: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let d = 0; d < dim; d++) {
      const v = x[row + d];
      mean[d] += v;
      sq[d] += v * v;
    }
  }
  const m = new Float32Array(dim);
  const s = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    m[d] = mean[d] / n;
    s[d] = Math.max(1e-6, Math.sqrt(Math.max(0, sq[d] / n - (mean[d] / n) ** 2)));
  }
  return { mean: m, std: s };
}

/** (x - mean) / std, row by row, into a new array. */
export function standardise(x: Float32Array, dim: number, mean: Float32Array, std: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += dim) for (let d = 0; d < dim; d++) out[i + d] = (x[i + d] - mean[d]) / std[d];
  return out;
}

/**
 * Makes a model trained on standardised inputs take raw ones: W' = W / std (per input row),
 * b' = b - (mean / std)·W. Exact up to float rounding.
 */
export function foldStandardisation(tf: Tf, first: DenseParams, mean: Float32Array, std: Float32Array): void {
  const [dim, units] = first.kernel.shape as [number, number];
  const w = first.kernel.dataSync() as Float32Array;
  const b = Float64Array.from(first.bias.dataSync());
  const w2 = new Float32Array(w.length);
  for (let d = 0; d < dim; d++) {
    const inv = 1 / std[d];
    const shift = mean[d] * inv;
    for (let u = 0; u < units; u++) {
      const k = w[d * units + u];
      w2[d * units + u] = k * inv;
      b[u] -= shift * k;
    }
  }
  tf.tidy(() => {
    first.kernel.assign(tf.tensor2d(w2, [dim, units]));
    first.bias.assign(tf.tensor1d(Float32Array.from(b)));
  });
}
