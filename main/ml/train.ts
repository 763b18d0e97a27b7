/**
 * Trains a head on cached embeddings: seeded (same data + config + seed → same weights and metrics on
 * the same backend), flip augmentation, early stopping on validation mAP with the best epoch's weights
 * kept, per-epoch metrics, cancellation between batches, and no leaked tensors.
 *
 * Per-epoch metrics: train numbers come from the epoch's own training batches (dropout on, weights
 * moving, as Keras reports them); validation numbers from the model at the end of the epoch (with
 * test-time flips when flipped embeddings are given). Per-epoch F1s use the 0.5 threshold; the final
 * metrics use the thresholds tuned on validation after training.
 */
import type { LayersModel, Scalar, Tensor, Tensor1D, Variable } from '@tensorflow/tfjs';

type Tf = typeof import('@tensorflow/tfjs');
import { loadTf } from './tf';
import { CancelledError } from '../core/errors';
import type { JobContext } from '../jobs/types';
import { checkEmbeddingSet, subsetEmbeddingSet, type EmbeddingSet } from './dataset';
import { evaluate, summarize, type EvalReport, type MetricSummary } from './metrics';
import { tuneThresholds } from './thresholds';
import { trivialBaselines, type Baselines } from './baselines';
import { stratifiedHoldout, type HoldoutSplit } from './split';
import { deriveSeed, seededRandom, shuffleInPlace } from './random';
import { predictScores } from './predict';
import { trainLinearHead, type CrossValidation } from './train-linear';
import type { DecisionRule } from './decision-rule';
import {
  buildHeadModel,
  denseParams,
  foldStandardisation,
  addL2Gradients,
  positiveWeights,
  standardisation,
  standardise,
  trainingLogits,
  weightedBceFromLogits,
  trainConfig,
  type DenseParams,
  type TrainConfig,
} from './head';

export interface EpochMetrics {
  epoch: number; // 1-based
  train: MetricSummary;
  val: MetricSummary;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
}

export interface TrainInput {
  train: EmbeddingSet;
  /** Without it, a seeded stratified `config.valFraction` of train is held out. */
  val?: EmbeddingSet;
  genres: readonly string[];
  /** Validated settings with the head's defaults (trainConfig() for settings given in code); default: the defaults. */
  config?: TrainConfig;
  signal?: AbortSignal;
  onEpoch?: (e: EpochMetrics) => void;
  onProgress?: (p: TrainProgress) => void;
  /**
   * When run as a job: its signal cancels, progress is reported as batches done of all epochs'
   * batches, and checkpoint() between batches lets the user pause.
   */
  job?: JobContext;
}

export interface TrainResult {
  /** Takes raw embeddings (any standardisation is folded in) and outputs per-genre probabilities. */
  model: LayersModel;
  genres: string[];
  embeddingSize: number;
  config: TrainConfig;
  /** Per-genre thresholds tuned on validation; rare genres fall back to the global one. */
  thresholds: number[];
  globalThreshold: number;
  /** Validation metrics of the kept (best) epoch at the tuned per-genre thresholds. */
  metrics: EvalReport;
  /** The same at the single global threshold. */
  metricsGlobal: EvalReport;
  history: EpochMetrics[];
  bestEpoch: number;
  stoppedEarly: boolean;
  baselines: Baselines;
  /** Row indices of the given train set used for training and validation, when val was held out. */
  holdout?: HoldoutSplit;
  trainSize: number;
  valSize: number;
  backend: string;
  durationMs: number;
  /** Default head only: the decision rule fitted on out-of-fold scores (then `metrics` are out of fold). */
  decision?: DecisionRule;
  crossValidation?: CrossValidation;
  /** Default head only: out-of-fold scores of train then val posters (the evaluated posters). */
  oofScores?: Float32Array;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainHead(input: TrainInput): Promise<TrainResult> {
  const started = Date.now();
  const config = input.config ?? trainConfig();
  if (config.head === 'default') return trainLinearHead({ ...input, config });
  const split = splitOf(input, config);
  const inputs = trainingInputs(split, config);
  const { tf, backend } = await loadTf();
  const model = buildHeadModel(tf, config, split.dim, split.genres.length);
  const loop = await fitEpochs(tf, model, split, inputs, { ...input, config });
  const { train, val, genres } = split;
  const valScores = await predictScores(model, val.x, val.n, { xFlip: inputs.useFlipVal ? val.xFlip : undefined });
  const tuned = tuneThresholds(valScores, val.y, val.n, genres.length, { minPositives: config.minPositivesForThreshold });
  return {
    model,
    genres,
    embeddingSize: split.dim,
    config,
    thresholds: tuned.thresholds,
    globalThreshold: tuned.globalThreshold,
    metrics: evaluate(valScores, val.y, val.n, genres, tuned.thresholds),
    metricsGlobal: evaluate(valScores, val.y, val.n, genres, tuned.globalThreshold),
    history: loop.history,
    bestEpoch: loop.bestEpoch,
    stoppedEarly: loop.stoppedEarly,
    baselines: trivialBaselines(train, val, genres),
    holdout: split.holdout,
    trainSize: train.n,
    valSize: val.n,
    backend,
    durationMs: Date.now() - started,
  };
}

interface Split {
  train: EmbeddingSet;
  val: EmbeddingSet;
  holdout?: HoldoutSplit;
  genres: string[];
  dim: number;
}

/** Checks the sets and, without a validation set, holds out a seeded stratified part of train. */
function splitOf(input: TrainInput, config: TrainConfig): Split {
  const genres = [...input.genres];
  const g = genres.length;
  if (g === 0) throw new Error('No genres to learn');
  if (new Set(genres).size !== g) throw new Error('Genre names must be unique');
  const dim = checkEmbeddingSet(input.train, g, 'training');
  if (input.val) {
    const valDim = checkEmbeddingSet(input.val, g, 'validation');
    if (valDim !== dim) throw new Error(`Training embeddings have ${dim} values, validation ones ${valDim}: were they made by different backbones?`);
    return { train: input.train, val: input.val, genres, dim };
  }
  const holdout = stratifiedHoldout(input.train.y, input.train.n, g, { fraction: config.valFraction, seed: config.seed });
  return { train: subsetEmbeddingSet(input.train, holdout.train, g), val: subsetEmbeddingSet(input.train, holdout.val, g), holdout, genres, dim };
}

interface TrainingInputs {
  stats?: { mean: Float32Array; std: Float32Array };
  trX: Float32Array;
  trXFlip?: Float32Array;
  vaX: Float32Array;
  vaXFlip?: Float32Array;
  useFlipVal: boolean;
}

/** Standardised copies for training; the raw arrays stay untouched for the final (folded) model. */
function trainingInputs({ train, val, dim }: Split, config: TrainConfig): TrainingInputs {
  const useFlipTrain = config.flipAugment && !!train.xFlip;
  const useFlipVal = config.testTimeFlip && !!val.xFlip;
  const stats = config.standardize ? standardisation(train.x, train.n, dim) : undefined;
  const prep = (a: Float32Array | undefined) => (a && stats ? standardise(a, dim, stats.mean, stats.std) : a);
  return {
    stats,
    trX: prep(train.x)!,
    trXFlip: useFlipTrain ? prep(train.xFlip) : undefined,
    vaX: prep(val.x)!,
    vaXFlip: useFlipVal ? prep(val.xFlip) : undefined,
    useFlipVal,
  };
}

interface Optimiser {
  params: DenseParams[];
  varList: Variable[];
  optimizer: ReturnType<Tf['train']['adam']>;
  posWeight?: Tensor1D;
}

/**
 * The epochs: shuffled batches, per-epoch metrics, early stopping on validation mAP. Leaves the best
 * epoch's weights in the model, taking raw embeddings; disposes the model when it fails.
 */
async function fitEpochs(
  tf: Tf,
  model: LayersModel,
  split: Split,
  inputs: TrainingInputs,
  input: TrainInput & { config: TrainConfig },
): Promise<{ history: EpochMetrics[]; bestEpoch: number; stoppedEarly: boolean }> {
  const { config } = input;
  const { train, val, genres } = split;
  const signal = input.signal ?? input.job?.signal;
  const params = denseParams(model);
  const opt: Optimiser = {
    params,
    varList: params.flatMap((p) => [p.kernel, p.bias]),
    optimizer: tf.train.adam(config.learningRate),
    posWeight: config.positiveWeighting ? tf.tensor1d(positiveWeights(train.y, train.n, genres.length, config.maxPositiveWeight)) : undefined,
  };
  let best: { epoch: number; mAP: number; weights: Tensor[] } | undefined;
  const history: EpochMetrics[] = [];
  let stoppedEarly = false;
  try {
    const batches = new BatchLoop(tf, split, inputs, config, opt);
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const epochScores = await batches.epoch(epoch, input, signal);
      if (signal?.aborted) throw new CancelledError();
      const valScores = await predictScores(model, inputs.vaX, val.n, { xFlip: inputs.vaXFlip, signal });
      const record: EpochMetrics = {
        epoch,
        train: summarize(evaluate(epochScores, train.y, train.n, genres, 0.5)),
        val: summarize(evaluate(valScores, val.y, val.n, genres, 0.5)),
      };
      history.push(record);
      input.onEpoch?.(record);
      if (!best || record.val.mAP > best.mAP + 1e-6) {
        best?.weights.forEach((w) => w.dispose());
        best = { epoch, mAP: record.val.mAP, weights: opt.varList.map((v) => tf.clone(v)) };
      } else if (config.patience > 0 && epoch - best.epoch >= config.patience) {
        stoppedEarly = epoch < config.epochs;
        break;
      }
    }
    // Keep the best epoch's weights, then make the model take raw embeddings.
    if (best) opt.varList.forEach((v, i) => v.assign(best!.weights[i]));
    if (inputs.stats) foldStandardisation(tf, params[0], inputs.stats.mean, inputs.stats.std);
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    best?.weights.forEach((w) => w.dispose());
    opt.optimizer.dispose();
    opt.posWeight?.dispose();
  }
  return { history, bestEpoch: best?.epoch ?? 0, stoppedEarly };
}

/** One epoch's shuffled batches (seeded order, flip augmentation, dropout seeds), reusing its buffers. */
class BatchLoop {
  private readonly rand: () => number;
  private readonly order: number[];
  private readonly batchSize: number;
  private readonly batches: number;
  private readonly xb: Float32Array;
  private readonly yb: Float32Array;
  private readonly scores: Float32Array;
  private step = 0;

  constructor(
    private readonly tf: Tf,
    private readonly split: Split,
    private readonly inputs: TrainingInputs,
    private readonly config: TrainConfig,
    private readonly opt: Optimiser,
  ) {
    const { train, dim, genres } = split;
    this.rand = seededRandom(deriveSeed(config.seed, 7));
    this.order = Array.from({ length: train.n }, (_, i) => i);
    this.batchSize = Math.min(config.batchSize, train.n);
    this.batches = Math.ceil(train.n / this.batchSize);
    this.xb = new Float32Array(this.batchSize * dim);
    this.yb = new Float32Array(this.batchSize * genres.length);
    this.scores = new Float32Array(train.n * genres.length);
  }

  /** Trains one epoch; returns the training scores of its batches (row per poster). */
  async epoch(epoch: number, input: TrainInput, signal: AbortSignal | undefined): Promise<Float32Array> {
    const { config, batches } = this;
    shuffleInPlace(this.order, this.rand);
    for (let b = 0; b < batches; b++) {
      if (signal?.aborted) throw new CancelledError();
      this.batch(b);
      input.onProgress?.({ epoch, epochs: config.epochs, batch: b + 1, batches });
      if (input.job) {
        input.job.progress({
          phase: 'Training',
          done: (epoch - 1) * batches + b + 1,
          total: config.epochs * batches,
          failed: 0,
          message: `Epoch ${epoch} of at most ${config.epochs}`,
        });
        await input.job.checkpoint(); // pauses here; rejects with CancelledError when cancelled
      } else {
        await yieldToEventLoop(); // lets an abort from elsewhere in the process arrive
      }
    }
    return this.scores;
  }

  /** One optimiser step on batch `b` of the current order; keeps its (training-time) scores. */
  private batch(b: number): void {
    const { tf, config, opt, xb, yb } = this;
    const { train, dim } = this.split;
    const g = this.split.genres.length;
    const { trX, trXFlip } = this.inputs;
    const start = b * this.batchSize;
    const count = Math.min(this.batchSize, train.n - start);
    for (let r = 0; r < count; r++) {
      const i = this.order[start + r];
      const source = trXFlip && this.rand() < 0.5 ? trXFlip : trX;
      xb.set(source.subarray(i * dim, (i + 1) * dim), r * dim);
      for (let j = 0; j < g; j++) yb[r * g + j] = train.y[i * g + j] > 0.5 ? 1 : 0;
    }
    const dropoutSeed = deriveSeed(config.seed, 1000 + this.step++);
    let probs: Tensor | undefined;
    tf.tidy(() => {
      const xt = tf.tensor2d(xb.subarray(0, count * dim), [count, dim]);
      const yt = tf.tensor2d(yb.subarray(0, count * g), [count, g]);
      const { grads } = tf.variableGrads(() => {
        const logits = trainingLogits(tf, opt.params, xt, config.dropout, dropoutSeed);
        probs = tf.keep(tf.sigmoid(logits));
        return weightedBceFromLogits(tf, logits, yt, opt.posWeight) as Scalar;
      }, opt.varList);
      if (config.l2 > 0) addL2Gradients(tf, grads, opt.params, config.l2);
      opt.optimizer.applyGradients(grads as Parameters<typeof opt.optimizer.applyGradients>[0]);
    });
    const p = probs!.dataSync();
    probs!.dispose();
    for (let r = 0; r < count; r++) this.scores.set(p.subarray(r * g, (r + 1) * g), this.order[start + r] * g);
  }
}
