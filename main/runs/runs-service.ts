/**
 * The runs and their models, as use cases: list and show runs, delete one with its model files, its
 * evaluation, export and import, its tagging settings, the default model, and predicting or evaluating
 * with it. The API handlers and the CLI commands call these; changes are announced on the bus.
 */
import fs from 'node:fs';
import type { z } from 'zod';
import type * as T from '../../contract/schemas/training';
import type { ServiceDeps } from '../services';
import type { JobContext } from '../jobs/types';
import { deleteRun, getRun, getRunEpochs, librariesWithRunPredictions, listRuns, type Run } from './runs-repo';
import {
  allRunTagging,
  DEFAULT_TAGGING,
  getRunTagging,
  preferredRunId,
  setPreferredRun,
  setRunTagging,
  tagOptionsOf,
  type RunTagging,
  type RunTaggingPatch,
  type TagChoice,
} from './run-tagging-repo';
import { evaluationOf } from './run-evaluation';
import { evaluationCharts } from './evaluation-charts';
import { exportRun, importRun } from './run-transfer';
import { exportRunOnnx } from './run-onnx-export';
import { runHeadRules } from './run-rules';
import { evaluateRunOnFolder, type EvaluateFolderOptions, type FolderEvaluation } from './evaluate-folder';
import type { FilePrediction } from './predictor';
import { displayThresholds, type HeadRules, type TagOptions } from './head-tags';
import type { Mode } from '../ml/decision-rule';
import { rederiveRunTags } from '../tagging/retag';
import { defaultRun, usableRun } from './run-choice';
import { compareRuns } from './run-comparison';
import { readEvaluation, runModelDir, type RunOutcome } from '../training/train-run';
import { ConflictError, NotFoundError } from '../core/errors';

type RunSummary = z.infer<typeof T.RunSummary>;
type RunDetail = z.infer<typeof T.RunDetail>;
type TaggingView = z.infer<typeof T.RunTagging>;

/** What predict and predict:images may choose for one call (the run's saved settings otherwise). */
export interface PredictChoice {
  threshold?: number;
  mode?: Mode;
  maxTags?: number | null;
  /** The original view only: half the backbone passes, without the test-time flip. */
  fast?: boolean;
}

function outcomeOf(run: Run): RunOutcome | null {
  return run.status === 'done' && run.metrics ? (run.metrics as RunOutcome) : null;
}

/** Why a run's model has no tagging modes: only the default (cross-validated linear) head fits a decision rule. */
export function noModesReason(run: Pick<Run, 'config'>): string {
  const head = run.config.head;
  if (head === 'mlp') return 'Tagging modes come with the default (cross-validated linear) head; this MLP model tags with its per-genre thresholds.';
  if (head === 'baseline')
    return 'Tagging modes come with the default (cross-validated linear) head; this tutorial linear model tags with its per-genre thresholds.';
  return 'This model was trained before tagging modes; it tags with its per-genre thresholds.';
}

function taggingView(run: Run, t: RunTagging): TaggingView {
  const rule = runHeadRules(run)?.metadata.decision;
  return {
    mode: t.mode,
    maxTags: t.maxTags,
    overrides: t.overrides,
    hasModes: Boolean(rule),
    noModes: rule ? null : noModesReason(run),
    expectedTags: rule ? { ...rule.expectedTagsPerPoster } : null,
    updatedAt: t.updatedAt,
  };
}

/** NaN (a metric with no defined value) is not JSON: send null. */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The model's tagging rules, or a message for the user when the run has no model to tag with. */
function rulesOf(run: Run): HeadRules {
  const rules = runHeadRules(run);
  if (!rules) {
    const message = `Run #${run.id} has no saved model (it is ${run.status}); its tagging settings cannot be changed.`;
    throw run.status === 'done' ? new NotFoundError(message) : new ConflictError(message);
  }
  return rules;
}

// eslint-disable-next-line max-lines-per-function -- the service object: one short method per use case over shared helpers
export function createRunsService({ db, bus, paths, predictor }: Pick<ServiceDeps, 'db' | 'bus' | 'paths' | 'predictor'>) {
  function findRun(id: number): Run {
    const run = getRun(db, id);
    if (!run) throw new NotFoundError(`There is no run #${id}.`);
    return run;
  }

  function summary(run: Run, tagging: RunTagging = getRunTagging(db, run.id)): RunSummary {
    const outcome = outcomeOf(run);
    const epochs = getRunEpochs(db, run.id);
    const duration = outcome?.durationMs ?? (run.startedAt && run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null);
    return {
      id: run.id,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      libraryId: run.libraryId,
      dataset: run.dataset,
      backbone: run.backbone,
      head: run.config.head,
      genres: run.genres,
      seed: run.seed,
      status: run.status,
      error: run.error,
      epochsDone: epochs.length,
      bestEpoch: outcome?.bestEpoch ?? null,
      best: outcome ? { mAP: outcome.metrics.mAP, microF1: outcome.metrics.microF1, macroF1: outcome.metrics.macroF1 } : null,
      evaluation: outcome ? evaluationOf(outcome) : null,
      durationMs: duration,
      hasModel: Boolean(run.modelPath && fs.existsSync(run.modelPath)),
      tagging: taggingView(run, tagging),
      preferred: tagging.preferred,
      views: run.config.views,
    };
  }

  /**
   * Saves new tagging settings and re-derives the run's stored tags from their probabilities, so the
   * gallery, its filters and exports agree with Tag, Try it and predict; galleries showing it refresh.
   */
  function changeTagging(runId: number, patch: RunTaggingPatch): z.infer<typeof T.TaggingResult> {
    const run = findRun(runId);
    const rules = rulesOf(run);
    const tagging = setRunTagging(db, runId, patch);
    const retagged = rederiveRunTags(db, runId, rules, tagOptionsOf(tagging));
    if (retagged.changed) for (const libraryId of librariesWithRunPredictions(db, runId)) bus.emit('library:changed', { libraryId, reason: 'predictions' });
    bus.emit('run:update', { runId, status: run.status }); // run lists show the new settings
    return { runId, tagging: taggingView(run, tagging), preferred: tagging.preferred, retagged };
  }

  function storedEvaluation(id: number): z.infer<typeof T.Evaluation> {
    const evaluation = readEvaluation(findRun(id).modelPath);
    if (!evaluation) throw new NotFoundError(`Run #${id} has no validation predictions to show.`);
    return evaluation;
  }

  function predictOptions(choice: PredictChoice) {
    return { threshold: choice.threshold, tagOptions: { mode: choice.mode, maxTags: choice.maxTags }, fast: choice.fast };
  }

  return {
    list(): RunSummary[] {
      const tagging = allRunTagging(db);
      return listRuns(db).map((r) => summary(r, tagging.get(r.id) ?? { ...DEFAULT_TAGGING }));
    },

    get(id: number): RunDetail {
      const run = findRun(id);
      const outcome = outcomeOf(run);
      const history = getRunEpochs(db, id).map((e) => ({
        epoch: e.epoch,
        train: { loss: finite(e.train.loss) ?? 0, microF1: finite(e.train.microF1) ?? 0, macroF1: finite(e.train.macroF1) ?? 0, mAP: finite(e.train.mAP) ?? 0 },
        val: { loss: finite(e.val.loss) ?? 0, microF1: finite(e.val.microF1) ?? 0, macroF1: finite(e.val.macroF1) ?? 0, mAP: finite(e.val.mAP) ?? 0 },
      }));
      const tagging = getRunTagging(db, id);
      const rules = runHeadRules(run);
      const shown = rules ? displayThresholds(rules, tagOptionsOf(tagging)) : null;
      return {
        ...summary(run, tagging),
        config: run.config,
        history,
        metrics: outcome?.metrics ?? null,
        metricsGlobal: outcome?.metricsGlobal ?? null,
        baselines: outcome?.baselines ?? null,
        thresholds: outcome?.thresholds ?? null,
        tagThresholds: shown?.thresholds ?? null,
        auto: shown?.auto ?? null,
        globalThreshold: outcome?.globalThreshold ?? null,
        trainSize: outcome?.trainSize ?? null,
        valSize: outcome?.valSize ?? null,
        notes: outcome?.notes ?? [],
      };
    },

    /** Deletes a finished run, its model files and its loaded model. */
    delete(id: number): { deleted: true } {
      const run = findRun(id);
      if (run.status === 'running' || run.status === 'queued') throw new ConflictError(`Run #${id} is ${run.status}; cancel it first.`);
      predictor.forget(id);
      deleteRun(db, id);
      fs.rmSync(run.modelPath ?? runModelDir(paths.models, id), { recursive: true, force: true });
      bus.emit('run:update', { runId: id, status: 'deleted' });
      return { deleted: true };
    },

    /** The validation predictions saved with the model, for the Evaluation view. */
    evaluation: storedEvaluation,

    /** What the Evaluation view draws: per-genre precision-recall curves and the reliability plot. */
    evaluationCharts(id: number) {
      return evaluationCharts(storedEvaluation(id));
    },

    /** The app's .ptmodel file, or a standalone .onnx model (backbone + head + the run's thresholds). */
    async export(id: number, file: string, opts: { overwrite?: boolean; format?: 'ptmodel' | 'onnx' } = {}) {
      return opts.format === 'onnx' ? exportRunOnnx(db, predictor, id, file, opts) : exportRun(db, id, file, opts);
    },

    async import(file: string): Promise<RunSummary> {
      const run = await importRun(db, paths.models, file, predictor.catalog);
      bus.emit('run:update', { runId: run.id, status: 'done' });
      return summary(run);
    },

    setTagging(runId: number, patch: RunTaggingPatch) {
      return changeTagging(runId, patch);
    },

    resetThresholds(runId: number) {
      return changeTagging(runId, { overrides: null });
    },

    prefer(runId: number, preferred: boolean): { preferredRunId: number | null } {
      const run = findRun(runId);
      if (preferred && !usableRun(run))
        throw new ConflictError(`Run #${runId} has no saved model (it is ${run.status}); only a finished run can be the default model.`);
      setPreferredRun(db, runId, preferred);
      bus.emit('run:update', { runId, status: run.status });
      return { preferredRunId: preferredRunId(db) ?? null };
    },

    /** The model Tag and Try it use when none is picked (for a library's genres), and why. */
    default(opts: { libraryId?: number; without?: number } = {}): z.infer<typeof T.DefaultRun> {
      const genres = opts.libraryId === undefined ? undefined : libraryGenreNames(db, opts.libraryId);
      const choice = defaultRun(db, { genres, without: opts.without });
      if (!choice || choice.kind === 'given') return null;
      return { runId: choice.run.id, kind: choice.kind, reason: choice.reason };
    },

    /** The run against another, or against the tagging model it would replace, on the posters both held out. */
    compare(runId: number, againstRunId?: number) {
      return compareRuns(db, runId, againstRunId);
    },

    /**
     * What predicting with a run will use: its genres, whether it has modes, and the tag options (saved
     * settings with `choice` on top). Loads the model, so an unknown run or one without a model is refused here.
     */
    async predictionPlan(runId: number, choice: TagChoice = {}): Promise<{ genres: string[]; hasModes: boolean; tagOptions: TagOptions }> {
      const head = await predictor.head(runId);
      return { genres: head.genres, hasModes: Boolean(head.metadata.decision), tagOptions: predictor.tagOptions(runId, choice) };
    },

    predictFiles(runId: number, files: readonly string[], choice: PredictChoice = {}, ctx?: JobContext): Promise<FilePrediction[]> {
      return predictor.predictFiles(runId, files, { ...predictOptions(choice), ctx });
    },

    /** Dropped images, as bytes. */
    predictImages(runId: number, images: readonly { name: string; data: Buffer }[], choice: PredictChoice = {}): Promise<FilePrediction[]> {
      return predictor.predictBytes(runId, images, predictOptions(choice));
    },

    /** A run's metrics on a labelled folder it was not trained on (the folder is not added as a library). */
    evaluateFolder(runId: number, folder: string, opts: EvaluateFolderOptions = {}): Promise<FolderEvaluation> {
      return evaluateRunOnFolder(db, predictor, runId, folder, opts);
    },
  };
}

/** A library's genre names in their order (the default model prefers a run on the same genres). */
function libraryGenreNames(db: ServiceDeps['db'], libraryId: number): string[] {
  return db.prepare('SELECT name FROM genres WHERE library_id = ? ORDER BY position, id').pluck().all(libraryId) as string[];
}

export type RunsService = ReturnType<typeof createRunsService>;
