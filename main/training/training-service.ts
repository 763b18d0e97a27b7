/**
 * Training a run, as use cases: what can be chosen (train:options) and starting a training (train:start):
 * the backbone, the settings, the run row, the job, and the run's status when the job fails or is
 * cancelled. Pressing Train again with the same settings returns the training already under way.
 */
import type { z } from 'zod';
import type * as T from '../../contract/schemas/training';
import { TrainSettings } from '../../contract/schemas/training';
import type { JobSnapshot } from '../../contract';
import type { ServiceDeps } from '../services';
import { DEFAULT_BACKBONE, type BackboneAvailability } from '../ml/backbones/registry';
import { withHeadDefaults, type TrainConfig } from '../ml/head';
import { createRun, setRunStatus } from '../runs/runs-repo';
import { trainingData, TUTORIAL_GENRES, type TrainingData } from './training-data';
import { runTraining } from './train-run';
import { trainingJobKey } from '../jobs/duplicate-jobs';
import { CancelledError, InvalidError } from '../core/errors';

/** A validated train:start request (the gate parsed it with the contract's TrainRequest). */
export type TrainStart = z.output<typeof T.TrainRequest>;

export interface TrainStarted {
  runId: number;
  job: JobSnapshot;
  queued: boolean;
  /** The same training was already queued or running: that one is returned, no run is added. */
  alreadyRunning?: boolean;
}

/** The backbone asked for, else the default one if installed, else any installed one. */
function chooseBackbone(backbones: readonly BackboneAvailability[], asked: string | undefined): string {
  const backbone = asked ?? (backbones.find((x) => x.id === DEFAULT_BACKBONE && x.installed) ?? backbones.find((x) => x.installed))?.id;
  const chosen = backbones.find((x) => x.id === backbone);
  if (!backbone || !chosen)
    throw new InvalidError(asked ? `Unknown backbone "${asked}".` : 'No backbone is installed: run "npm run postinstall" to fetch the models.');
  if (!chosen.installed) throw new InvalidError(`The backbone "${backbone}" is not installed (${chosen.problem}).`);
  return backbone;
}

/** The request's settings (validated at the gate) with the chosen head's defaults. */
function configOf(req: TrainStart, backbone: BackboneAvailability | undefined): TrainConfig {
  const { head, epochs, learningRate, seed, batchSize, patience, views } = req;
  // int8 where the CPU runs it fast and its model passed its check (registry.chooseVariant); kept with the run.
  const backboneVariant = backbone?.variant ?? 'float32';
  // The fields the request does not carry take the schema's defaults (no second validation of the given ones).
  return withHeadDefaults({ ...TrainSettings.parse({}), head, epochs, learningRate, seed, batchSize, patience, backboneVariant, views });
}

export function createTrainingService({ db, bus, jobs, paths, catalog }: Pick<ServiceDeps, 'db' | 'bus' | 'jobs' | 'paths' | 'catalog'>) {
  /** The training job: its failure or cancellation is written to the run before the job ends. */
  function startJob(runId: number, key: string, data: TrainingData, backbone: string, config: TrainConfig) {
    return jobs.start({
      kind: 'train',
      key,
      meta: { runId },
      title: `Training run #${runId}`,
      lane: 'train',
      run: async (ctx) => {
        try {
          return await runTraining(ctx, { runId, data, backbone, config, modelsDir: paths.models, catalog, db, bus });
        } catch (err) {
          const cancelled = ctx.signal.aborted || err instanceof CancelledError;
          setRunStatus(db, runId, cancelled ? 'cancelled' : 'failed', { error: cancelled ? 'Cancelled by the user' : (err as Error).message });
          bus.emit('run:update', { runId, status: cancelled ? 'cancelled' : 'failed' });
          throw err;
        }
      },
      summarize: () => ({ runId }),
    });
  }

  return {
    /** The backbones (the API lists them as BackboneOption), the tutorial's genres and the defaults the form shows. */
    options(): {
      backbones: BackboneAvailability[];
      tutorialGenres: readonly string[];
      defaults: Pick<TrainConfig, 'head' | 'epochs' | 'learningRate' | 'seed'>;
    } {
      const defaults = TrainSettings.parse({});
      return {
        backbones: catalog.available(),
        tutorialGenres: TUTORIAL_GENRES,
        defaults: { head: defaults.head, epochs: defaults.epochs, learningRate: defaults.learningRate, seed: defaults.seed },
      };
    },

    start(req: TrainStart): TrainStarted {
      const backbones = catalog.available();
      const backbone = chooseBackbone(backbones, req.backbone);
      const libraryIds = [...new Set([req.libraryId, ...(req.alsoLibraryIds ?? [])])];
      const data = trainingData(db, libraryIds, req.genres);
      const config = configOf(
        req,
        backbones.find((b) => b.id === backbone),
      );
      // Train pressed again with the same settings: that training, not a second identical run.
      const key = trainingJobKey({ libraryId: req.libraryId, alsoLibraryIds: libraryIds.slice(1), genres: data.genres, backbone, config });
      const same = jobs.findActive<{ runId: number }>(key);
      if (same) return { runId: same.meta.runId, job: same.snapshot, queued: same.snapshot.status === 'queued', alreadyRunning: true };
      const run = createRun(db, {
        libraryId: req.libraryId,
        dataset: `${data.libraryName} (${data.train.length} train / ${data.val.length || 'held-out'} val)`,
        backbone,
        genres: data.genres,
        config,
        seed: req.seed,
      });
      const queued = jobs.busy('train');
      const { snapshot } = startJob(run.id, key, data, backbone, config);
      bus.emit('run:update', { runId: run.id, status: 'queued' });
      return { runId: run.id, job: snapshot, queued };
    },
  };
}

export type TrainingService = ReturnType<typeof createTrainingService>;
