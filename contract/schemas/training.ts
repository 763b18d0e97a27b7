// Shapes of the training, runs and prediction calls.
import { z } from 'zod';
import { UserPath } from './user-path';

const num = z.number().nullable();

export const MetricSummary = z.object({ loss: z.number(), microF1: z.number(), macroF1: z.number(), mAP: z.number() });

export const GenreMetrics = z.object({
  genre: z.string(),
  threshold: z.number(),
  support: z.number(),
  predicted: z.number(),
  truePositives: z.number(),
  precision: num,
  recall: num,
  f1: num,
  averagePrecision: num,
});

export const EvalReport = MetricSummary.extend({
  n: z.number(),
  microPrecision: z.number(),
  microRecall: z.number(),
  samplesF1: z.number(),
  exactMatch: z.number(),
  genresWithPositives: z.number(),
  perGenre: z.array(GenreMetrics),
});

export const EpochRow = z.object({ epoch: z.number(), train: MetricSummary, val: MetricSummary });

export const RunStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);

export const GenreChoice = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('all') }),
  z.object({ mode: z.literal('tutorial') }), // Action, Romance, Crime, Thriller, Adventure
  z.object({ mode: z.literal('pick'), names: z.array(z.string().min(1).max(100)).min(1).max(500) }),
]);

/** `default`: linear, cross-validated (main/ml/train-linear.ts); `mlp`: the earlier default; `baseline`: the tutorial's. */
export const HeadKind = z.enum(['baseline', 'default', 'mlp']);

/**
 * The training settings: the one schema, limits and defaults for the request (validated once, at the
 * gate), the run's stored config (parsed with it when read back) and the head worker. The head-dependent
 * fields are filled in from the head's defaults (main/ml/head.ts, withHeadDefaults).
 */
/** Which views of a poster are embedded: the original alone, or with its mirror image. */
export const PosterViews = z.enum(['original', 'both']);

export const TrainSettings = z.object({
  head: HeadKind.default('default'),
  /** Maximum epochs; early stopping may end sooner. */
  epochs: z.number().int().min(1).max(500).default(40),
  learningRate: z.number().positive().max(1).default(1e-3),
  batchSize: z.number().int().min(1).max(4096).default(64),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** Epochs without a better validation mAP before stopping; 0 disables early stopping. */
  patience: z.number().int().min(0).max(500).default(6),
  /** Hidden units of the mlp head (0 makes it linear). A resolved baseline config carries 0. */
  hiddenUnits: z.number().int().min(0).max(8192).optional(),
  dropout: z.number().min(0).max(0.9).optional(),
  l2: z.number().min(0).max(1).optional(),
  /** Weight positives of genre g by min(maxPositiveWeight, sqrt(negatives/positives)). */
  positiveWeighting: z.boolean().optional(),
  maxPositiveWeight: z.number().min(1).max(1000).optional(),
  /** Standardise each embedding dimension with the training mean/std. */
  standardize: z.boolean().optional(),
  /** Train on a randomly chosen original or flipped embedding when flipped ones are given. */
  flipAugment: z.boolean().default(true),
  /** Average scores of original and flipped embeddings at evaluation when flipped ones are given. */
  testTimeFlip: z.boolean().default(true),
  /**
   * The views of each poster a run embeds: the original alone, or also its mirror image (averaged when
   * fitting and when tagging, twice the backbone passes). 'both' here is what runs saved before this
   * setting did; train:start defaults to 'original' (README "Quality": the mirror adds nothing measurable).
   */
  views: PosterViews.default('both'),
  /**
   * The backbone weights the run's embeddings came from (chosen at start from the CPU's int8 support);
   * predicting, tagging and exporting with the run use the same. Older runs: float32.
   */
  backboneVariant: z.enum(['float32', 'int8']).default('float32'),
  /** Hold-out fraction when no validation set is given. */
  valFraction: z.number().gt(0).lt(1).default(0.15),
  /** Genres with fewer validation positives use the global threshold instead of their own. */
  minPositivesForThreshold: z.number().int().min(1).default(5),
  /** Cross-validation folds of the default head. */
  folds: z.number().int().min(2).max(10).default(5),
  /** The default head's optimiser steps per fit. */
  iterations: z.number().int().min(10).max(2000).default(50),
});

/** train:start: the settings a user may choose (the rest keep their defaults), on a library's genres. */
export const TrainRequest = TrainSettings.pick({ head: true, epochs: true, learningRate: true, seed: true, batchSize: true, patience: true })
  .extend({
    libraryId: z.number().int().positive(),
    /** More libraries to train on together with libraryId (their labelled posters are pooled). */
    alsoLibraryIds: z.array(z.number().int().positive()).max(50).optional(),
    genres: GenreChoice.default({ mode: 'all' }),
    backbone: z.string().min(1).max(100).optional(),
    views: PosterViews.default('original'),
  })
  .strict();

/** Decision-rule modes: precise (fewer, surer tags), balanced (the default), broad (more recall). */
export const TagMode = z.enum(['precise', 'balanced', 'broad']);
/** "At most N tags" per poster (the UI offers 1-5). */
export const MaxTags = z.number().int().min(1).max(50);
/** Saved per-genre thresholds in the run's genre order; null keeps the model's. */
export const ThresholdOverrides = z.array(z.number().min(0).max(1).nullable()).min(1).max(500);

/** How a run tags by default (Tag, Try it, predict, exports): saved per run, see runs:setTagging. */
export const RunTagging = z.object({
  mode: TagMode,
  /** null: no limit. */
  maxTags: z.number().nullable(),
  /** null: the model's own thresholds. */
  overrides: z.array(z.number().nullable()).nullable(),
  /** The model has a decision rule, so modes apply (older models have per-genre thresholds only). */
  hasModes: z.boolean(),
  /** Why modes do not apply to this model, in words for the user (null when they do): its head type, or its age. */
  noModes: z.string().nullable(),
  /** Mean automatic tags per poster in each mode on the posters the rule was fitted on (null without a rule). */
  expectedTags: z.object({ precise: z.number(), balanced: z.number(), broad: z.number() }).nullable(),
  updatedAt: z.string().nullable(),
});

const IntervalSchema = z.object({ value: z.number(), low: z.number(), high: z.number() });

/** How a run's headline numbers were measured, so the UI can say it and warn when they rest on little data. */
export const RunEvaluation = z.object({
  /** 'cross-validation': out-of-fold over every labelled poster; 'validation': the kept epoch on the val posters. */
  kind: z.enum(['cross-validation', 'validation']),
  /** Posters the numbers are measured on. */
  n: z.number(),
  folds: z.number().nullable(),
  /** 95% bootstrap intervals (cross-validation only). */
  intervals: z
    .object({ mAP: IntervalSchema, microF1: IntervalSchema, macroF1: IntervalSchema, samplesF1: IntervalSchema, tagsPerPoster: IntervalSchema })
    .nullable(),
  /** Mean labelled genres per poster (to compare tags per poster with). */
  labelledMeanTags: z.number().nullable(),
  /** What the per-epoch curves' F1 means, in words. */
  curveF1: z.string(),
  warnings: z.array(z.string()),
});

export const RunSummary = z.object({
  id: z.number(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  libraryId: z.number().nullable(),
  dataset: z.string(),
  backbone: z.string(),
  head: z.string(),
  genres: z.array(z.string()),
  seed: z.number(),
  status: RunStatus,
  error: z.string().nullable(),
  epochsDone: z.number(),
  bestEpoch: z.number().nullable(),
  /** Validation metrics of the kept epoch at the tuned thresholds. */
  best: z.object({ mAP: z.number(), microF1: z.number(), macroF1: z.number() }).nullable(),
  /** How `best` was measured (null until the run is done). */
  evaluation: RunEvaluation.nullable(),
  durationMs: z.number().nullable(),
  hasModel: z.boolean(),
  tagging: RunTagging,
  /** The run the user marked as the default model for Tag and Try it. */
  preferred: z.boolean(),
  /** The views its model looks at ('both': tagging can be made faster with the original alone). */
  views: PosterViews,
});

export const Baselines = z.object({
  topK: z.object({ k: z.number(), genres: z.array(z.string()), report: EvalReport }),
  prior: z.object({ report: EvalReport }),
});

export const RunDetail = RunSummary.extend({
  config: TrainSettings,
  history: z.array(EpochRow),
  metrics: EvalReport.nullable(),
  metricsGlobal: EvalReport.nullable(),
  baselines: Baselines.nullable(),
  thresholds: z.array(z.number()).nullable(),
  /** The thresholds the run tags with under its saved mode and thresholds (per genre; null without a model). */
  tagThresholds: z.array(z.number()).nullable(),
  /** Per genre: tagged automatically (false: only suggested); null without a model. */
  auto: z.array(z.boolean()).nullable(),
  globalThreshold: z.number().nullable(),
  trainSize: z.number().nullable(),
  valSize: z.number().nullable(),
  notes: z.array(z.string()),
});

export const Evaluation = z.object({
  genres: z.array(z.string()),
  /** The model's own (balanced) thresholds; the run's saved ones are in RunSummary.tagging.overrides. */
  thresholds: z.array(z.number()),
  /** Per genre: tagged automatically by the decision rule (absent for older models: all are). */
  auto: z.array(z.boolean()).optional(),
  outOfFold: z.boolean().optional(),
  items: z.array(z.object({ imageId: z.number().nullable(), posterId: z.string(), scores: z.array(z.number()), truth: z.array(z.string()) })),
});

export const BackboneOption = z.object({
  id: z.string(),
  label: z.string(),
  available: z.boolean(),
  reason: z.string().optional(),
  engine: z.string().optional(),
  inputSize: z.number(),
  embeddingSize: z.number(),
  licence: z.string(),
  source: z.string(),
  isDefault: z.boolean(),
  note: z.string(),
  /** The weights new runs use (float32 or int8) and why: CPU flags, int8 model present and checked. */
  variant: z.enum(['float32', 'int8']),
  variantReason: z.string(),
});

export const Prediction = z.object({
  path: z.string(),
  probabilities: z.record(z.string(), z.number()),
  tags: z.array(z.string()),
  /** Genres the model is not trusted to tag automatically that passed their threshold. */
  suggestions: z.array(z.string()).optional(),
  error: z.string().optional(),
});

/** predict:* fields that replace the run's saved settings for one call (maxTags 0 or null: no limit). */
export const PredictChoice = {
  mode: TagMode.optional(),
  maxTags: z.number().int().min(0).max(50).nullable().optional(),
};

/** runs:setTagging — change a run's saved tagging settings (only the fields given). */
export const SetTagging = z
  .object({
    runId: z.number().int().positive(),
    mode: TagMode.optional(),
    /** null: no limit. */
    maxTags: MaxTags.nullable().optional(),
    /** One per genre in the run's order (null keeps the model's); null: back to the model's thresholds. */
    overrides: ThresholdOverrides.nullable().optional(),
  })
  .strict();

export const TaggingResult = z.object({
  runId: z.number(),
  tagging: RunTagging,
  preferred: z.boolean(),
  /** The run's stored predictions whose tags were derived again from their probabilities. */
  retagged: z.object({ predictions: z.number(), changed: z.number() }),
});

/** runs:prefer — mark a run as the default model (or unmark it). */
export const PreferRun = z.object({ runId: z.number().int().positive(), preferred: z.boolean().default(true) }).strict();

/** runs:default — the model Tag and Try it use when none is picked, and why. */
export const DefaultRunRequest = z
  .object({
    libraryId: z.number().int().positive().optional(),
    /** The default as it would be without this run (e.g. before deleting it: what takes over). */
    without: z.number().int().positive().optional(),
  })
  .strict();
export const DefaultRun = z
  .object({
    runId: z.number(),
    kind: z.enum(['preferred', 'same-genres', 'latest']),
    reason: z.string(),
  })
  .nullable();

/** runs:export — write a done run's model as one file (the UI asks before overwriting). */
/** ptmodel: the app's own file (for another copy of Poster Tagger); onnx: one standalone ONNX model for any program. */
export const ModelExportFormat = z.enum(['ptmodel', 'onnx']);
export const RunExportRequest = z
  .object({ id: z.number().int().positive(), file: UserPath, overwrite: z.boolean().default(false), format: ModelExportFormat.default('ptmodel') })
  .strict();
export const RunExportResult = z.object({
  file: z.string(),
  bytes: z.number(),
  /** The target exists and overwrite was not set: nothing was written; ask the user, naming this file. */
  exists: z.string().optional(),
});

/** runs:import — add an exported model file as a new (done) run. */
export const RunImportRequest = z.object({ file: UserPath }).strict();

/** backbones:download — fetch a downloadable backbone (a job; progress in bytes). */
export const BackboneDownloadRequest = z.object({ id: z.string().min(1).max(100) }).strict();

/** backbones:import — copy a TF.js graph model folder (model.json + shards) in as a backbone. */
export const BackboneImportRequest = z
  .object({
    folder: UserPath,
    label: z.string().trim().min(1).max(200).optional(),
    inputSize: z.number().int().min(8).max(1024).default(224),
  })
  .strict();

/** runs:evaluationCharts — what the Evaluation view draws: per-genre precision-recall curves and a reliability plot. */
export const EvaluationCharts = z.object({
  /** Per genre (run order): the curve's points, highest threshold first (thinned for drawing); empty without positives. */
  curves: z.array(
    z.object({ genre: z.string(), positives: z.number(), threshold: z.array(z.number()), precision: z.array(z.number()), recall: z.array(z.number()) }),
  ),
  /** Every (poster, genre) probability in equal-width bins; empty bins have count 0 and null values. */
  calibration: z.object({
    n: z.number(),
    /** Expected calibration error: count-weighted mean |observed − mean predicted|. */
    ece: z.number().nullable(),
    bins: z.array(z.object({ low: z.number(), high: z.number(), count: z.number(), meanPredicted: z.number().nullable(), observed: z.number().nullable() })),
  }),
});

/** runs:compare — a run against another (default: the tagging model it would replace). */
export const CompareRunsRequest = z.object({ runId: z.number().int().positive(), againstRunId: z.number().int().positive().optional() }).strict();

const HeadlineMetrics = z.object({ mAP: z.number(), microF1: z.number() });

/**
 * Two runs on the posters both held out (val side in both training sets, matched by content hash), from
 * their stored evaluation scores. Numbers only when status is 'ok' (at least minShared posters).
 */
export const RunComparison = z.object({
  runId: z.number(),
  againstRunId: z.number().nullable(),
  /** Why that run: "chosen by you", or the model it would replace and why that one is the default. */
  againstReason: z.string().nullable(),
  /** 'none': no shared held-out poster (or genre); 'too-few': fewer than minShared; 'unavailable': a run lacks its files. */
  status: z.enum(['ok', 'too-few', 'none', 'unavailable']),
  /** The status in words, for the user. */
  message: z.string(),
  shared: z.number(),
  minShared: z.number(),
  /** The genres both runs predict (in the run's order). */
  genres: z.array(z.string()),
  /** Shared posters whose labels differ between the two training sets (the run's labels are the truth). */
  relabelled: z.number(),
  run: HeadlineMetrics.nullable(),
  against: HeadlineMetrics.nullable(),
  /** Per genre: positives among the shared posters, each run's AP and the difference (null without positives). */
  perGenre: z.array(
    z.object({ genre: z.string(), support: z.number(), ap: z.number().nullable(), againstAp: z.number().nullable(), delta: z.number().nullable() }),
  ),
});
