/**
 * The default head end to end: every labelled poster (train and val alike) goes into k-fold
 * cross-validation (main/ml/linear-cv.ts), so every poster gets a score from a model that never saw it.
 * The train side's out-of-fold scores choose the L2 strength and fit the decision rule
 * (main/ml/decision-rule.ts); the val side's are never used for a choice, so two runs can be compared on
 * the val posters both held out (main/runs/run-comparison.ts). All of them give the run's headline
 * metrics with bootstrap intervals. The final model is refitted on all posters and saved as a one-layer
 * TF.js model that takes raw embeddings.
 */
import { loadTf } from './tf';
import { CancelledError } from '../core/errors';
import { checkEmbeddingSet, type EmbeddingSet } from './dataset';
import { evaluate, summarize } from './metrics';
import { trivialBaselines } from './baselines';
import { buildHeadModel, denseParams, trainConfig } from './head';
import { trainLinearCv } from './linear-cv';
import { pickRows } from './rows';
import { fitDecisionRule, thresholdsForMode } from './decision-rule';
import { bootstrapIntervals, reliabilityWarnings, type MetricIntervals } from './intervals';
import { tuneGlobalThreshold } from './thresholds';
import type { EpochMetrics, TrainInput, TrainResult } from './train';

export interface CrossValidation {
  folds: number;
  /** The chosen inverse L2 strength (scikit-learn's C on standardised inputs). */
  c: number;
  cvTable: { c: number; oofMAP: number }[];
  /** Headline metrics' 95% bootstrap intervals (out of fold, balanced rule). */
  intervals: MetricIntervals;
  warnings: string[];
}

/** Largest library the default head cross-validates in memory (three copies of the embeddings, 0.45 GB each at 7,488 dims, beside the optimiser's buffers). */
export const MAX_CV_POSTERS = 15_000;

/** Steps between two reported rounds, and how many rounds (curve points) a fit reports. */
export function linearRounds(iterations: number): { every: number; rounds: number } {
  const every = Math.max(1, Math.round(iterations / 12));
  return { every, rounds: Math.ceil(iterations / every) };
}

/** Mean of the original and flipped embeddings: for a linear head, the same as averaging its logits. */
function viewMean(set: EmbeddingSet): Float32Array {
  if (!set.xFlip) return set.x;
  const out = new Float32Array(set.x.length);
  for (let i = 0; i < out.length; i++) out[i] = (set.x[i] + set.xFlip[i]) / 2;
  return out;
}

function concat(sets: EmbeddingSet[], dim: number, g: number): { x: Float32Array; y: Uint8Array; n: number } {
  const n = sets.reduce((a, s) => a + s.n, 0);
  const x = new Float32Array(n * dim);
  const y = new Uint8Array(n * g);
  let row = 0;
  for (const s of sets) {
    x.set(viewMean(s), row * dim);
    for (let i = 0; i < s.n * g; i++) y[row * g + i] = s.y[i] > 0.5 ? 1 : 0;
    row += s.n;
  }
  return { x, y, n };
}

// eslint-disable-next-line max-lines-per-function -- linear-head training end to end: data, CV, rule, intervals and the saved model in one readable sequence
export async function trainLinearHead(input: TrainInput): Promise<TrainResult> {
  const started = Date.now();
  const config = input.config ?? trainConfig();
  const signal = input.signal ?? input.job?.signal;
  const genres = [...input.genres];
  const g = genres.length;
  if (g === 0) throw new Error('No genres to learn');
  if (new Set(genres).size !== g) throw new Error('Genre names must be unique');
  const dim = checkEmbeddingSet(input.train, g, 'training');
  if (input.val && checkEmbeddingSet(input.val, g, 'validation') !== dim)
    throw new Error('Training and validation embeddings differ in size: were they made by different backbones?');
  const all = concat(input.val ? [input.train, input.val] : [input.train], dim, g);
  if (all.n < 4) throw new Error(`Cross-validation needs at least 4 labelled posters; this library has ${all.n}.`);
  // The Gram matrix is N² floats (15,000 posters: 0.9 GB) next to two copies of the embeddings.
  if (all.n > MAX_CV_POSTERS)
    throw new Error(
      `The default head cross-validates on at most ${MAX_CV_POSTERS.toLocaleString('en')} labelled posters (this library has ${all.n.toLocaleString('en')}); choose the MLP head for larger ones.`,
    );
  const folds = Math.min(config.folds, all.n);
  // Choices on the train side only, when it is large enough to choose on.
  const choiceRows = input.val && input.val.n > 0 && input.train.n >= 20 ? Array.from({ length: input.train.n }, (_, i) => i) : undefined;

  const history: EpochMetrics[] = [];
  const cv = await trainLinearCv({
    x: all.x,
    y: all.y,
    n: all.n,
    dim,
    g,
    folds,
    iterations: config.iterations,
    seed: config.seed,
    signal,
    chooseOn: choiceRows,
    reportEvery: linearRounds(config.iterations).every,
    onRound: async (r) => {
      // F1s at the out-of-fold micro-F1-optimal threshold, the curve's stand-in for the final rule.
      const tOof = tuneGlobalThreshold(r.oofScores, all.y, all.n, g).threshold;
      const tFit = tuneGlobalThreshold(r.fitScores, all.y, all.n, g).threshold;
      const record: EpochMetrics = {
        epoch: history.length + 1,
        train: summarize(evaluate(r.fitScores, all.y, all.n, genres, tFit)),
        val: summarize(evaluate(r.oofScores, all.y, all.n, genres, tOof)),
      };
      history.push(record);
      input.onEpoch?.(record);
      input.onProgress?.({ epoch: history.length, epochs: linearRounds(config.iterations).rounds, batch: 1, batches: 1 });
      if (input.job) {
        input.job.progress({ phase: 'Cross-validating the head', done: r.step, total: r.steps, failed: 0, message: `step ${r.step} of ${r.steps}` });
        await input.job.checkpoint();
      }
      if (signal?.aborted) throw new CancelledError();
    },
  });

  const decision = choiceRows
    ? fitDecisionRule(pickRows(cv.oofScores, choiceRows, g), pickRows(all.y, choiceRows, g), choiceRows.length, genres, { seed: config.seed })
    : fitDecisionRule(cv.oofScores, all.y, all.n, genres, { seed: config.seed });
  const thresholds = thresholdsForMode(decision, 'balanced');
  const never = decision.genres.map((d) => !d.auto);
  const metrics = evaluate(cv.oofScores, all.y, all.n, genres, thresholds);
  // JSON has no Infinity: report the rule's threshold; `decision.genres[j].auto` says it is not applied.
  metrics.perGenre.forEach((m, j) => (m.threshold = decision.genres[j].thresholds.balanced));
  const intervals = bootstrapIntervals(cv.oofScores, all.y, all.n, genres, thresholds, { seed: config.seed, never, resamples: 500 });

  const { tf, backend } = await loadTf();
  const model = buildHeadModel(tf, { ...config, hiddenUnits: 0 }, dim, g);
  const [layer] = denseParams(model);
  tf.tidy(() => {
    layer.kernel.assign(tf.tensor2d(cv.kernel, [dim, g]));
    layer.bias.assign(tf.tensor1d(cv.bias));
  });
  const allSet: EmbeddingSet = { x: all.x, y: all.y, n: all.n };
  return {
    model,
    genres,
    embeddingSize: dim,
    config,
    // JSON-safe stored thresholds: a genre that is not tagged automatically keeps its rule threshold here
    // and is switched off by the decision rule's `auto` flag.
    thresholds: decision.genres.map((d) => d.thresholds.balanced),
    globalThreshold: decision.globalThreshold,
    metrics,
    metricsGlobal: evaluate(cv.oofScores, all.y, all.n, genres, decision.globalThreshold),
    history,
    bestEpoch: history.length,
    stoppedEarly: false,
    baselines: trivialBaselines(allSet, allSet, genres),
    trainSize: all.n,
    valSize: all.n,
    backend,
    durationMs: Date.now() - started,
    decision,
    crossValidation: {
      folds,
      c: cv.c,
      cvTable: cv.cvTable,
      intervals,
      warnings: reliabilityWarnings(
        all.n,
        metrics.perGenre.map((m) => m.support),
        genres,
      ),
    },
    oofScores: cv.oofScores,
  };
}
