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
import type { LayersModel, Scalar, Tensor, Tensor1D } from '@tensorflow/tfjs';
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
  resolveTrainConfig,
  standardisation,
  standardise,
  trainingLogits,
  weightedBceFromLogits,
  type TrainConfig,
  type TrainConfigInput,
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
  config?: TrainConfigInput;
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
  const config = resolveTrainConfig(input.config);
  if (config.head === 'default') return trainLinearHead(input);
  const signal = input.signal ?? input.job?.signal;
  const genres = [...input.genres];
  const g = genres.length;
  if (g === 0) throw new Error('No genres to learn');
  if (new Set(genres).size !== g) throw new Error('Genre names must be unique');

  let train = input.train;
  let val = input.val;
  let holdout: HoldoutSplit | undefined;
  const dim = checkEmbeddingSet(train, g, 'training');
  if (val) {
    const valDim = checkEmbeddingSet(val, g, 'validation');
    if (valDim !== dim) throw new Error(`Training embeddings have ${dim} values, validation ones ${valDim}: were they made by different backbones?`);
  } else {
    holdout = stratifiedHoldout(train.y, train.n, g, { fraction: config.valFraction, seed: config.seed });
    val = subsetEmbeddingSet(train, holdout.val, g);
    train = subsetEmbeddingSet(train, holdout.train, g);
  }
  const useFlipTrain = config.flipAugment && !!train.xFlip;
  const useFlipVal = config.testTimeFlip && !!val.xFlip;

  // Standardised copies for training; the raw arrays stay untouched for the final (folded) model.
  const stats = config.standardize ? standardisation(train.x, train.n, dim) : undefined;
  const prep = (a: Float32Array | undefined) => (a && stats ? standardise(a, dim, stats.mean, stats.std) : a);
  const trX = prep(train.x)!;
  const trXFlip = useFlipTrain ? prep(train.xFlip) : undefined;
  const vaX = prep(val.x)!;
  const vaXFlip = useFlipVal ? prep(val.xFlip) : undefined;

  const { tf, backend } = await loadTf();
  const model = buildHeadModel(tf, config, dim, g);
  const params = denseParams(model);
  const varList = params.flatMap((p) => [p.kernel, p.bias]);
  const optimizer = tf.train.adam(config.learningRate);
  const posWeight: Tensor1D | undefined = config.positiveWeighting
    ? tf.tensor1d(positiveWeights(train.y, train.n, g, config.maxPositiveWeight))
    : undefined;
  let best: { epoch: number; mAP: number; weights: Tensor[] } | undefined;
  const history: EpochMetrics[] = [];
  let stoppedEarly = false;

  try {
    const rand = seededRandom(deriveSeed(config.seed, 7));
    const order = Array.from({ length: train.n }, (_, i) => i);
    const batchSize = Math.min(config.batchSize, train.n);
    const batches = Math.ceil(train.n / batchSize);
    const xb = new Float32Array(batchSize * dim);
    const yb = new Float32Array(batchSize * g);
    const epochScores = new Float32Array(train.n * g);
    let step = 0;

    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      shuffleInPlace(order, rand);
      for (let b = 0; b < batches; b++) {
        if (signal?.aborted) throw new CancelledError();
        const start = b * batchSize;
        const count = Math.min(batchSize, train.n - start);
        for (let r = 0; r < count; r++) {
          const i = order[start + r];
          const source = trXFlip && rand() < 0.5 ? trXFlip : trX;
          xb.set(source.subarray(i * dim, (i + 1) * dim), r * dim);
          for (let j = 0; j < g; j++) yb[r * g + j] = train.y[i * g + j] > 0.5 ? 1 : 0;
        }
        const dropoutSeed = deriveSeed(config.seed, 1000 + step++);
        let probs: Tensor | undefined;
        tf.tidy(() => {
          const xt = tf.tensor2d(xb.subarray(0, count * dim), [count, dim]);
          const yt = tf.tensor2d(yb.subarray(0, count * g), [count, g]);
          const { grads } = tf.variableGrads(() => {
            const logits = trainingLogits(tf, params, xt, config.dropout, dropoutSeed);
            probs = tf.keep(tf.sigmoid(logits));
            return weightedBceFromLogits(tf, logits, yt, posWeight) as Scalar;
          }, varList);
          if (config.l2 > 0) addL2Gradients(tf, grads, params, config.l2);
          optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
        });
        const p = probs!.dataSync();
        probs!.dispose();
        for (let r = 0; r < count; r++) epochScores.set(p.subarray(r * g, (r + 1) * g), order[start + r] * g);
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
      if (signal?.aborted) throw new CancelledError();

      const valScores = await predictScores(model, vaX, val.n, { xFlip: vaXFlip, signal });
      const record: EpochMetrics = {
        epoch,
        train: summarize(evaluate(epochScores, train.y, train.n, genres, 0.5)),
        val: summarize(evaluate(valScores, val.y, val.n, genres, 0.5)),
      };
      history.push(record);
      input.onEpoch?.(record);

      if (!best || record.val.mAP > best.mAP + 1e-6) {
        best?.weights.forEach((w) => w.dispose());
        best = { epoch, mAP: record.val.mAP, weights: varList.map((v) => tf.clone(v)) };
      } else if (config.patience > 0 && epoch - best.epoch >= config.patience) {
        stoppedEarly = epoch < config.epochs;
        break;
      }
    }

    // Keep the best epoch's weights, then make the model take raw embeddings.
    if (best) varList.forEach((v, i) => v.assign(best!.weights[i]));
    if (stats) foldStandardisation(tf, params[0], stats.mean, stats.std);
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    best?.weights.forEach((w) => w.dispose());
    optimizer.dispose();
    posWeight?.dispose();
  }

  const valScores = await predictScores(model, val.x, val.n, { xFlip: useFlipVal ? val.xFlip : undefined });
  const tuned = tuneThresholds(valScores, val.y, val.n, g, { minPositives: config.minPositivesForThreshold });
  return {
    model,
    genres,
    embeddingSize: dim,
    config,
    thresholds: tuned.thresholds,
    globalThreshold: tuned.globalThreshold,
    metrics: evaluate(valScores, val.y, val.n, genres, tuned.thresholds),
    metricsGlobal: evaluate(valScores, val.y, val.n, genres, tuned.globalThreshold),
    history,
    bestEpoch: best?.epoch ?? 0,
    stoppedEarly,
    baselines: trivialBaselines(train, val, genres),
    holdout,
    trainSize: train.n,
    valSize: val.n,
    backend,
    durationMs: Date.now() - started,
  };
}
