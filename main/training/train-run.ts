import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { Evaluation } from '../../contract/schemas/training';
import type { Db } from '../db/database';
import type { EventBus } from '../core/event-bus';
import type { JobContext } from '../jobs/types';
import { loadBothViews } from '../runs/both-views';
import { embedImages } from '../ml/features/pipeline';
import { specOf } from '../ml/backbones/registry';
import type { BackboneCatalog } from '../ml/backbones/catalog';
import type { TrainResult } from '../ml/train';
import { trainInWorker } from './train-in-worker';
import type { HeadOutcome } from './head-worker-protocol';
import { linearRounds } from '../ml/train-linear';
import type { TrainConfig } from '../ml/head';
import { addRunEpoch, setRunStatus } from '../runs/runs-repo';
import type { EmbeddingSet } from '../ml/dataset';
import { targets, type LabelledPoster, type TrainingData } from './training-data';
import { writeTrainingSet } from './training-set';

export interface TrainRunOptions {
  runId: number;
  data: TrainingData;
  backbone: string;
  /** Validated settings with the head's defaults (main/ml/head.ts). */
  config: TrainConfig;
  modelsDir: string;
  /** The backbones the back end knows (bundled, downloaded, imported). */
  catalog: BackboneCatalog;
  db: Db;
  bus: EventBus;
}

/** What a finished run keeps in runs.metrics, next to its model folder. */
export interface RunOutcome {
  metrics: TrainResult['metrics'];
  metricsGlobal: TrainResult['metricsGlobal'];
  baselines: TrainResult['baselines'];
  thresholds: number[];
  globalThreshold: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  trainSize: number;
  valSize: number;
  durationMs: number;
  notes: string[];
  tfBackend: string;
  /** Default head: the decision rule and how the model was cross-validated (metrics are then out of fold). */
  decision?: TrainResult['decision'];
  crossValidation?: TrainResult['crossValidation'];
  /** Imported runs: how the model was measured where it was trained (its file's summary, see run-evaluation.ts). */
  evaluation?: unknown;
}

export const EVALUATION_FILE = 'evaluation.json';

export type StoredEvaluation = z.infer<typeof Evaluation>;

/** A run's stored evaluation scores (written by the run, below), or undefined when its model folder has none. */
export function readEvaluation(modelDir: string | null): StoredEvaluation | undefined {
  const file = modelDir ? path.join(modelDir, EVALUATION_FILE) : '';
  if (!file || !fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as StoredEvaluation;
}

export function runModelDir(modelsDir: string, runId: number): string {
  return path.join(modelsDir, `run-${runId}`);
}

/**
 * The body of a training job: embed every poster once (cached by content hash; with `views: 'both'`
 * also its mirror image, averaged in), train the head on the cached embeddings, tune thresholds, save the model and the
 * validation predictions. Status changes are written to the runs table as they happen, so a crash
 * leaves a 'running' row that the next start marks 'interrupted'; never a half-saved 'done'.
 */
export async function runTraining(ctx: JobContext, o: TrainRunOptions): Promise<RunOutcome> {
  const { db, bus, runId, data } = o;
  const started = Date.now();
  setRunStatus(db, runId, 'running');
  bus.emit('run:update', { runId, status: 'running' });

  const { trainPosters, valPosters, notes } = await embedPosters(ctx, o);

  // The default head reports optimiser rounds, not epochs.
  const rounds = o.config.head === 'default';
  const epochsPlanned = rounds ? linearRounds(o.config.iterations).rounds : o.config.epochs;
  // Until the first round or epoch ends (cross-validation prepares its folds first), say what is going on.
  ctx.progress({
    phase: rounds ? 'Fitting the head' : 'Training the head',
    message: rounds ? `preparing ${o.config.folds}-fold cross-validation` : 'starting',
    done: 0,
    failed: 0,
    total: rounds ? epochsPlanned : 0,
  });
  const dir = runModelDir(o.modelsDir, runId);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const spec = specOf(o.catalog.get(o.backbone));
  try {
    const result = await trainInWorker(
      {
        train: embeddingSet(db, o.backbone, trainPosters, data.genres, o.config),
        val: valPosters.length ? embeddingSet(db, o.backbone, valPosters, data.genres, o.config) : undefined,
        genres: data.genres,
        config: o.config,
        modelDir: tmp,
        backbone: { id: spec.id, sha256: spec.sha256, inputSize: spec.inputSize, preprocessing: spec.preprocessing, variant: o.config.backboneVariant },
        evaluate: valPosters.length ? 'val' : 'holdout',
      },
      ctx,
      {
        // The default head reports optimiser rounds (one "batch" each), the others batches of epochs.
        progress: (p) =>
          ctx.progress(
            rounds
              ? { phase: 'Fitting the head', message: `round ${p.epoch} of ${p.epochs}`, done: p.epoch, failed: 0, total: p.epochs }
              : {
                  phase: 'Training the head',
                  message: `epoch ${p.epoch} of at most ${p.epochs}`,
                  done: (p.epoch - 1) * p.batches + p.batch,
                  failed: 0,
                  total: p.epochs * p.batches,
                },
          ),
        epoch: (e) => {
          addRunEpoch(db, runId, e);
          bus.emit('train:epoch', { runId, epoch: e, epochs: epochsPlanned });
        },
      },
    );

    ctx.progress({ phase: 'Saving the model', done: 0, failed: 0, total: 1 });
    writeEvaluation(tmp, data.genres, result, result.crossValidation ? [...trainPosters, ...valPosters] : trainPosters, valPosters);
    writeTrainingSet(tmp, data.libraryIds, data.genres, [...trainPosters, ...valPosters]);
    await ctx.checkpoint();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);

    const outcome: RunOutcome = {
      metrics: result.metrics,
      metricsGlobal: result.metricsGlobal,
      baselines: result.baselines,
      thresholds: result.thresholds,
      globalThreshold: result.globalThreshold,
      bestEpoch: result.bestEpoch,
      stoppedEarly: result.stoppedEarly,
      trainSize: result.trainSize,
      valSize: result.valSize,
      durationMs: Date.now() - started,
      notes: [...notes, ...(result.crossValidation?.warnings ?? [])],
      tfBackend: result.backend,
      decision: result.decision,
      crossValidation: result.crossValidation,
    };
    setRunStatus(db, runId, 'done', { metrics: outcome, modelPath: dir });
    bus.emit('run:update', { runId, status: 'done' });
    return outcome;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function embeddingSet(db: Db, backbone: string, posters: readonly LabelledPoster[], genres: readonly string[], config: TrainConfig): EmbeddingSet {
  const views = loadBothViews(
    db,
    posters.map((p) => p.hash),
    backbone,
    config.backboneVariant,
    config.views === 'original',
  );
  if (views.missing) throw new Error(`${views.missing} embeddings are missing from the cache after embedding; please train again.`);
  return {
    x: views.x,
    xFlip: views.xFlip,
    y: targets(posters, genres),
    n: posters.length,
  };
}

/** Validation predictions (test-time flip, as the metrics) for the evaluation view, next to the model. */
function writeEvaluation(
  dir: string,
  genres: readonly string[],
  result: HeadOutcome,
  evalPool: readonly LabelledPoster[],
  valPosters: readonly LabelledPoster[],
): void {
  const evalPosters = result.evalRows ? result.evalRows.map((i) => evalPool[i]) : valPosters;
  if (!evalPosters.length) return;
  const g = genres.length;
  const items = evalPosters.map((p, i) => ({
    imageId: p.imageId,
    posterId: p.posterId,
    scores: Array.from(result.evalScores.subarray(i * g, (i + 1) * g), (v) => Math.round(v * 1e5) / 1e5),
    truth: p.genres.filter((x) => genres.includes(x)),
  }));
  fs.writeFileSync(
    path.join(dir, EVALUATION_FILE),
    JSON.stringify({
      genres,
      thresholds: result.thresholds,
      outOfFold: Boolean(result.crossValidation),
      auto: result.decision?.genres.map((d) => d.auto),
      items,
    }),
  );
}

/**
 * Embeds every poster once in the run's views (cached by content); the ones the backbone cannot read are
 * left out, with a note saying so.
 */
async function embedPosters(ctx: JobContext, o: TrainRunOptions): Promise<{ trainPosters: LabelledPoster[]; valPosters: LabelledPoster[]; notes: string[] }> {
  const { db, data } = o;
  const all = [...data.train, ...data.val];
  // The embedding pipeline ends on a phase "Done"; here training goes on, so the panel must not say so.
  const embedCtx: JobContext = {
    id: ctx.id,
    signal: ctx.signal,
    progress: (p) => ctx.progress(p.phase === 'Done' ? { ...p, phase: 'Embedded posters' } : p),
    checkpoint: () => ctx.checkpoint(),
    ...(ctx.isPaused ? { isPaused: () => ctx.isPaused!() } : {}),
  };
  const embed = await embedImages(
    db,
    all.map((p) => ({ path: p.path, hash: p.hash })),
    o.backbone,
    embedCtx,
    { variant: o.config.backboneVariant, backbonesDir: o.catalog.userDir, views: o.config.views === 'both' ? ['original', 'flipped'] : ['original'] },
  );
  const failedPaths = new Set(embed.failed.map((f) => f.path));
  const notes = [...data.notes];
  if (failedPaths.size) {
    const examples = embed.failed
      .slice(0, 3)
      .map((f) => `${path.basename(f.path)} (${f.reason})`)
      .join('; ');
    notes.push(
      `${failedPaths.size} poster${failedPaths.size === 1 ? '' : 's'} could not be read: ${examples}${failedPaths.size > 3 ? '; …' : ''}. Training used the other ${all.length - failedPaths.size}.`,
    );
  }
  const usable = (list: LabelledPoster[]) => list.filter((p) => !failedPaths.has(p.path));
  const trainPosters = usable(data.train);
  const valPosters = usable(data.val);
  if (trainPosters.length === 0) throw new Error('None of the training posters could be read by the backbone.');
  return { trainPosters, valPosters, notes };
}
