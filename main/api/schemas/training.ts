// Shapes of the training, runs and prediction calls.
import { z } from 'zod';

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

export const TrainRequest = z
  .object({
    libraryId: z.number().int().positive(),
    genres: GenreChoice.default({ mode: 'all' }),
    backbone: z.string().min(1).max(100).optional(),
    head: z.enum(['baseline', 'default']).default('default'),
    epochs: z.number().int().min(1).max(500).default(40),
    learningRate: z.number().positive().max(1).default(1e-3),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    batchSize: z.number().int().min(1).max(4096).optional(),
    patience: z.number().int().min(0).max(500).optional(),
  })
  .strict();

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
  durationMs: z.number().nullable(),
  hasModel: z.boolean(),
});

export const Baselines = z.object({
  topK: z.object({ k: z.number(), genres: z.array(z.string()), report: EvalReport }),
  prior: z.object({ report: EvalReport }),
});

export const RunDetail = RunSummary.extend({
  config: z.record(z.string(), z.unknown()),
  history: z.array(EpochRow),
  metrics: EvalReport.nullable(),
  metricsGlobal: EvalReport.nullable(),
  baselines: Baselines.nullable(),
  thresholds: z.array(z.number()).nullable(),
  globalThreshold: z.number().nullable(),
  trainSize: z.number().nullable(),
  valSize: z.number().nullable(),
  notes: z.array(z.string()),
});

export const Evaluation = z.object({
  genres: z.array(z.string()),
  thresholds: z.array(z.number()),
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
});

export const Prediction = z.object({
  path: z.string(),
  probabilities: z.record(z.string(), z.number()),
  tags: z.array(z.string()),
  error: z.string().optional(),
});

/** runs:export — write a done run's model as one file (the UI asks before overwriting). */
export const RunExportRequest = z
  .object({ id: z.number().int().positive(), file: z.string().min(1).max(4096), overwrite: z.boolean().default(false) })
  .strict();
export const RunExportResult = z.object({ file: z.string(), bytes: z.number() });

/** runs:import — add an exported model file as a new (done) run. */
export const RunImportRequest = z.object({ file: z.string().min(1).max(4096) }).strict();

/** backbones:download — fetch a downloadable backbone (a job; progress in bytes). */
export const BackboneDownloadRequest = z.object({ id: z.string().min(1).max(100) }).strict();

/** backbones:import — copy a TF.js graph model folder (model.json + shards) in as a backbone. */
export const BackboneImportRequest = z
  .object({
    folder: z.string().min(1).max(4096),
    label: z.string().trim().min(1).max(200).optional(),
    inputSize: z.number().int().min(8).max(1024).default(224),
  })
  .strict();
