// The use cases of the app, one service per area. Each takes only the parts of the back end it uses;
// the API handlers and the CLI commands are thin callers of these.
import type { Db } from './db/database';
import type { DataPaths } from './core/data-dir';
import type { EventBus } from './core/event-bus';
import type { JobManager } from './jobs/job-manager';
import type { MediaResolver } from './library/media';
import type { BackboneCatalog } from './ml/backbones/catalog';
import { createLibraryService } from './library/library-service';
import type { Predictor } from './runs/predictor';
import { createRunsService } from './runs/runs-service';
import { createTrainingService } from './training/training-service';
import { createBackbonesService } from './training/backbones-service';
import { createTaggingService } from './tagging/tagging-service';
import { createLoopService } from './loop/loop-service';

/** Everything a service may take from; a service's factory names the subset it needs. */
export interface ServiceDeps {
  db: Db;
  bus: EventBus;
  jobs: JobManager;
  paths: DataPaths;
  media: MediaResolver;
  predictor: Predictor;
  /** The backbones this back end can use (bundled, downloaded, imported). */
  catalog: BackboneCatalog;
}

export function createServices(deps: ServiceDeps) {
  return {
    library: createLibraryService(deps),
    tagging: createTaggingService(deps),
    runs: createRunsService(deps),
    training: createTrainingService(deps),
    backbones: createBackbonesService(deps),
    loop: createLoopService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
