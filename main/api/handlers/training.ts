import fs from 'node:fs';
import type { Backend } from '../../backend';
import type { Handlers } from '../gate';
import { UserError } from '../errors';
import type { z } from 'zod';
import type * as T from '../schemas/training';
import { availableBackbones, DEFAULT_BACKBONE } from '../../ml/backbones/registry';
import { resolveTrainConfig } from '../../ml/head';
import { createRun, deleteRun, getRun, getRunEpochs, listRuns, setRunStatus, type Run } from '../../ml/runs-repo';
import { backboneOption } from './backbones';
import { trainingData, TUTORIAL_GENRES } from '../../training/training-data';
import { EVALUATION_FILE, runModelDir, runTraining, type RunOutcome } from '../../training/train-run';
import { exportRun, importRun } from '../../training/run-transfer';

type TrainingCalls =
  | 'train:options'
  | 'train:start'
  | 'runs:list'
  | 'runs:get'
  | 'runs:delete'
  | 'runs:evaluation'
  | 'runs:export'
  | 'runs:import'
  | 'predict:files'
  | 'predict:images';


function outcomeOf(run: Run): RunOutcome | null {
  return run.status === 'done' && run.metrics ? (run.metrics as RunOutcome) : null;
}

function summary(b: Backend, run: Run): z.infer<typeof T.RunSummary> {
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
    durationMs: duration,
    hasModel: Boolean(run.modelPath && fs.existsSync(run.modelPath)),
  };
}

function findRun(b: Backend, id: number): Run {
  const run = getRun(b.db, id);
  if (!run) throw new UserError(`There is no run #${id}.`, 'not_found');
  return run;
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
      if (!backbone || !chosen) throw new UserError(req.backbone ? `Unknown backbone "${req.backbone}".` : 'No backbone is installed: run "npm run postinstall" to fetch the models.');
      if (!chosen.installed) throw new UserError(`The backbone "${backbone}" is not installed (${chosen.problem}).`);
      const data = trainingData(b.db, req.libraryId, req.genres);
      let config: Record<string, unknown>;
      try {
        config = resolveTrainConfig({ head: req.head, epochs: req.epochs, learningRate: req.learningRate, seed: req.seed, batchSize: req.batchSize, patience: req.patience });
      } catch (err) {
        throw new UserError((err as Error).message);
      }
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
        title: `Training run #${run.id}`,
        lane: 'train',
        run: async (ctx) => {
          try {
            return await runTraining(ctx, { runId: run.id, data, backbone, config, modelsDir: b.paths.models, db: b.db, bus: b.bus });
          } catch (err) {
            const cancelled = ctx.signal.aborted || (err instanceof Error && err.name === 'CancelledError');
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

    'runs:list': () => listRuns(b.db).map((r) => summary(b, r)),

    'runs:get': ({ id }) => {
      const run = findRun(b, id);
      const outcome = outcomeOf(run);
      const history = getRunEpochs(b.db, id).map((e) => ({
        epoch: e.epoch,
        train: { loss: finite(e.train.loss) ?? 0, microF1: finite(e.train.microF1) ?? 0, macroF1: finite(e.train.macroF1) ?? 0, mAP: finite(e.train.mAP) ?? 0 },
        val: { loss: finite(e.val.loss) ?? 0, microF1: finite(e.val.microF1) ?? 0, macroF1: finite(e.val.macroF1) ?? 0, mAP: finite(e.val.mAP) ?? 0 },
      }));
      return {
        ...summary(b, run),
        config: run.config,
        history,
        metrics: outcome?.metrics ?? null,
        metricsGlobal: outcome?.metricsGlobal ?? null,
        baselines: outcome?.baselines ?? null,
        thresholds: outcome?.thresholds ?? null,
        globalThreshold: outcome?.globalThreshold ?? null,
        trainSize: outcome?.trainSize ?? null,
        valSize: outcome?.valSize ?? null,
        notes: outcome?.notes ?? [],
      };
    },

    'runs:delete': ({ id }) => {
      const run = findRun(b, id);
      if (run.status === 'running' || run.status === 'queued') throw new UserError(`Run #${id} is ${run.status}; cancel it first.`, 'conflict');
      b.predictor.forget(id);
      deleteRun(b.db, id);
      fs.rmSync(run.modelPath ?? runModelDir(b.paths.models, id), { recursive: true, force: true });
      b.bus.emit('run:update', { runId: id, status: 'deleted' });
      return { deleted: true };
    },

    'runs:evaluation': ({ id }) => {
      const run = findRun(b, id);
      const file = run.modelPath ? `${run.modelPath}/${EVALUATION_FILE}` : '';
      if (!file || !fs.existsSync(file)) throw new UserError(`Run #${id} has no validation predictions to show.`, 'not_found');
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    },

    'runs:export': ({ id, file, overwrite }) => exportRun(b.db, id, file, { overwrite }),

    'runs:import': async ({ file }) => {
      const run = await importRun(b.db, b.paths.models, file);
      b.bus.emit('run:update', { runId: run.id, status: 'done' });
      return summary(b, run);
    },

    'predict:files': ({ runId, paths, threshold }) => b.predictor.predictFiles(runId, paths, { threshold }),

    'predict:images': ({ runId, images, threshold }) =>
      b.predictor.predictBytes(
        runId,
        images.map((i) => ({ name: i.name, data: Buffer.from(i.dataBase64, 'base64') })),
        { threshold },
      ),
  };
}
