import fs from 'node:fs';
import type { Backend } from '../../backend';
import type { Handlers } from '../gate';
import type { z } from 'zod';
import type * as T from '../../../contract/schemas/training';
import { availableBackbones, DEFAULT_BACKBONE } from '../../ml/backbones/registry';
import { resolveTrainConfig } from '../../ml/head';
import { createRun, deleteRun, getRun, getRunEpochs, listRuns, setRunStatus, type Run } from '../../runs/runs-repo';
import { backboneOption } from './backbones';
import { evaluationOf } from '../../runs/run-evaluation';
import { trainingData, TUTORIAL_GENRES } from '../../training/training-data';
import { EVALUATION_FILE, runModelDir, runTraining, type RunOutcome } from '../../training/train-run';
import { exportRun, importRun } from '../../runs/run-transfer';
import { runHeadRules } from '../../runs/run-rules';
import { allRunTagging, DEFAULT_TAGGING, getRunTagging, preferredRunId, setPreferredRun, setRunTagging, tagOptionsOf, type RunTagging, type RunTaggingPatch } from '../../runs/run-tagging-repo';
import { displayThresholds, type HeadRules } from '../../ml/head-tags';
import { rederiveRunTags } from '../../tagging/retag';
import { defaultRun, usableRun } from '../../tagging/run-choice';
import { trainingJobKey } from '../../jobs/duplicate-jobs';
import { CancelledError, ConflictError, InvalidError, NotFoundError } from '../../core/errors';

type TrainingCalls =
  | 'train:options'
  | 'train:start'
  | 'runs:list'
  | 'runs:get'
  | 'runs:delete'
  | 'runs:evaluation'
  | 'runs:export'
  | 'runs:import'
  | 'runs:setTagging'
  | 'runs:resetThresholds'
  | 'runs:prefer'
  | 'runs:default'
  | 'predict:files'
  | 'predict:images';


function outcomeOf(run: Run): RunOutcome | null {
  return run.status === 'done' && run.metrics ? (run.metrics as RunOutcome) : null;
}

function taggingView(run: Run, t: RunTagging): z.infer<typeof T.RunTagging> {
  const rule = runHeadRules(run)?.metadata.decision;
  return { mode: t.mode, maxTags: t.maxTags, overrides: t.overrides, hasModes: Boolean(rule), noModes: rule ? null : noModesReason(run), expectedTags: rule ? { ...rule.expectedTagsPerPoster } : null, updatedAt: t.updatedAt };
}

/** Why a run's model has no tagging modes: only the default (cross-validated linear) head fits a decision rule. */
export function noModesReason(run: Pick<Run, 'config'>): string {
  const head = String(run.config.head ?? 'default');
  if (head === 'mlp') return 'Tagging modes come with the default (cross-validated linear) head; this MLP model tags with its per-genre thresholds.';
  if (head === 'baseline') return 'Tagging modes come with the default (cross-validated linear) head; this tutorial linear model tags with its per-genre thresholds.';
  return 'This model was trained before tagging modes; it tags with its per-genre thresholds.';
}

function summary(b: Backend, run: Run, tagging: RunTagging = getRunTagging(b.db, run.id)): z.infer<typeof T.RunSummary> {
  const outcome = outcomeOf(run);
  const epochs = getRunEpochs(b.db, run.id);
  const duration = outcome?.durationMs ?? (run.startedAt && run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null);
  return {
    id: run.id,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    libraryId: run.libraryId,
    dataset: run.dataset,
    backbone: run.backbone,
    head: String(run.config.head ?? 'default'),
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
  };
}

function findRun(b: Backend, id: number): Run {
  const run = getRun(b.db, id);
  if (!run) throw new NotFoundError(`There is no run #${id}.`);
  return run;
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

/**
 * Saves new tagging settings and re-derives the run's stored tags from their probabilities, so the
 * gallery, its filters and exports agree with Tag, Try it and predict; galleries showing it refresh.
 */
function changeTagging(b: Backend, runId: number, patch: RunTaggingPatch): z.infer<typeof T.TaggingResult> {
  const run = findRun(b, runId);
  const rules = rulesOf(run);
  const tagging = setRunTagging(b.db, runId, patch);
  const retagged = rederiveRunTags(b.db, runId, rules, tagOptionsOf(tagging));
  if (retagged.changed) {
    const libraries = b.db
      .prepare('SELECT DISTINCT i.library_id FROM images i JOIN predictions p ON p.hash = i.hash AND p.run_id = ?')
      .pluck()
      .all(runId) as number[];
    for (const libraryId of libraries) b.bus.emit('library:changed', { libraryId, reason: 'predictions' });
  }
  b.bus.emit('run:update', { runId, status: run.status }); // run lists show the new settings
  return { runId, tagging: taggingView(run, tagging), preferred: tagging.preferred, retagged };
}

/** NaN (a metric with no defined value) is not JSON: send null. */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function trainingHandlers(b: Backend): Pick<Handlers, TrainingCalls> {
  return {
    'train:options': () => {
      const defaults = resolveTrainConfig({});
      return {
        backbones: availableBackbones().map(backboneOption),
        tutorialGenres: TUTORIAL_GENRES,
        defaults: { head: defaults.head, epochs: 40, learningRate: defaults.learningRate, seed: defaults.seed },
      };
    },

    'train:start': (req) => {
      const backbones = availableBackbones();
      const backbone = req.backbone ?? (backbones.find((x) => x.id === DEFAULT_BACKBONE && x.installed) ?? backbones.find((x) => x.installed))?.id;
      const chosen = backbones.find((x) => x.id === backbone);
      if (!backbone || !chosen) throw new InvalidError(req.backbone ? `Unknown backbone "${req.backbone}".` : 'No backbone is installed: run "npm run postinstall" to fetch the models.');
      if (!chosen.installed) throw new InvalidError(`The backbone "${backbone}" is not installed (${chosen.problem}).`);
      const data = trainingData(b.db, req.libraryId, req.genres);
      let config: Record<string, unknown>;
      try {
        config = resolveTrainConfig({ head: req.head, epochs: req.epochs, learningRate: req.learningRate, seed: req.seed, batchSize: req.batchSize, patience: req.patience });
      } catch (err) {
        throw new InvalidError((err as Error).message);
      }
      // Train pressed again with the same settings: that training, not a second identical run.
      const key = trainingJobKey({ libraryId: req.libraryId, genres: data.genres, backbone, config });
      const same = b.jobs.findActive<{ runId: number }>(key);
      if (same) return { runId: same.meta.runId, job: same.snapshot, queued: same.snapshot.status === 'queued', alreadyRunning: true };
      const run = createRun(b.db, {
        libraryId: req.libraryId,
        dataset: `${data.libraryName} (${data.train.length} train / ${data.val.length || 'held-out'} val)`,
        backbone,
        genres: data.genres,
        config,
        seed: req.seed,
      });
      const queued = b.jobs.busy('train');
      const { snapshot } = b.jobs.start({
        kind: 'train',
        key,
        meta: { runId: run.id },
        title: `Training run #${run.id}`,
        lane: 'train',
        run: async (ctx) => {
          try {
            return await runTraining(ctx, { runId: run.id, data, backbone, config, modelsDir: b.paths.models, db: b.db, bus: b.bus });
          } catch (err) {
            const cancelled = ctx.signal.aborted || err instanceof CancelledError;
            setRunStatus(b.db, run.id, cancelled ? 'cancelled' : 'failed', { error: cancelled ? 'Cancelled by the user' : (err as Error).message });
            b.bus.emit('run:update', { runId: run.id, status: cancelled ? 'cancelled' : 'failed' });
            throw err;
          }
        },
        summarize: () => ({ runId: run.id }),
      });
      b.bus.emit('run:update', { runId: run.id, status: 'queued' });
      return { runId: run.id, job: snapshot, queued };
    },

    'runs:list': () => {
      const tagging = allRunTagging(b.db);
      return listRuns(b.db).map((r) => summary(b, r, tagging.get(r.id) ?? { ...DEFAULT_TAGGING }));
    },

    'runs:get': ({ id }) => {
      const run = findRun(b, id);
      const outcome = outcomeOf(run);
      const history = getRunEpochs(b.db, id).map((e) => ({
        epoch: e.epoch,
        train: { loss: finite(e.train.loss) ?? 0, microF1: finite(e.train.microF1) ?? 0, macroF1: finite(e.train.macroF1) ?? 0, mAP: finite(e.train.mAP) ?? 0 },
        val: { loss: finite(e.val.loss) ?? 0, microF1: finite(e.val.microF1) ?? 0, macroF1: finite(e.val.macroF1) ?? 0, mAP: finite(e.val.mAP) ?? 0 },
      }));
      const tagging = getRunTagging(b.db, id);
      const rules = runHeadRules(run);
      const shown = rules ? displayThresholds(rules, tagOptionsOf(tagging)) : null;
      return {
        ...summary(b, run, tagging),
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

    'runs:delete': ({ id }) => {
      const run = findRun(b, id);
      if (run.status === 'running' || run.status === 'queued') throw new ConflictError(`Run #${id} is ${run.status}; cancel it first.`);
      b.predictor.forget(id);
      deleteRun(b.db, id);
      fs.rmSync(run.modelPath ?? runModelDir(b.paths.models, id), { recursive: true, force: true });
      b.bus.emit('run:update', { runId: id, status: 'deleted' });
      return { deleted: true };
    },

    'runs:evaluation': ({ id }) => {
      const run = findRun(b, id);
      const file = run.modelPath ? `${run.modelPath}/${EVALUATION_FILE}` : '';
      if (!file || !fs.existsSync(file)) throw new NotFoundError(`Run #${id} has no validation predictions to show.`);
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    },

    'runs:export': ({ id, file, overwrite }) => exportRun(b.db, id, file, { overwrite }),

    'runs:import': async ({ file }) => {
      const run = await importRun(b.db, b.paths.models, file);
      b.bus.emit('run:update', { runId: run.id, status: 'done' });
      return summary(b, run);
    },

    'runs:setTagging': ({ runId, mode, maxTags, overrides }) => changeTagging(b, runId, { mode, maxTags, overrides }),

    'runs:resetThresholds': ({ runId }) => changeTagging(b, runId, { overrides: null }),

    'runs:prefer': ({ runId, preferred }) => {
      const run = findRun(b, runId);
      if (preferred && !usableRun(run)) throw new ConflictError(`Run #${runId} has no saved model (it is ${run.status}); only a finished run can be the default model.`);
      setPreferredRun(b.db, runId, preferred);
      b.bus.emit('run:update', { runId, status: run.status });
      return { preferredRunId: preferredRunId(b.db) ?? null };
    },

    'runs:default': ({ libraryId, without }) => {
      const genres = libraryId === undefined ? undefined : (b.db.prepare('SELECT name FROM genres WHERE library_id = ? ORDER BY position, id').pluck().all(libraryId) as string[]);
      const choice = defaultRun(b.db, { genres, without });
      if (!choice || choice.kind === 'given') return null;
      return { runId: choice.run.id, kind: choice.kind, reason: choice.reason };
    },

    'predict:files': ({ runId, paths, threshold, mode, maxTags }) => b.predictor.predictFiles(runId, paths, { threshold, tagOptions: { mode, maxTags } }),

    'predict:images': ({ runId, images, threshold, mode, maxTags }) =>
      b.predictor.predictBytes(
        runId,
        images.map((i) => ({ name: i.name, data: Buffer.from(i.dataBase64, 'base64') })),
        { threshold, tagOptions: { mode, maxTags } },
      ),
  };
}
