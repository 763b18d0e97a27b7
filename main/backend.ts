import type { Db } from './db/database';
import { openDatabase } from './db/database';
import { ensureDataDir, type DataPaths } from './core/data-dir';
import { EventBus } from './core/event-bus';
import { JobManager } from './jobs/job-manager';
import { createGate, type Gate } from './api/gate';
import { createHandlers } from './api/handlers';
import { loadTf, type TfRuntime } from './ml/tf';
import { createMediaResolver, type MediaResolver } from './library/media';
import { createServices, type Services } from './services';
import { Predictor } from './runs/predictor';
import { retainEmbeddingWorkers } from './ml/features/worker-pool';
import { markInterruptedRuns } from './runs/runs-repo';
import path from 'node:path';
import { BackboneCatalog } from './ml/backbones/catalog';

/** What only the desktop shell can do; absent in browser mode and the CLI. */
export interface ShellAdapter {
  kind: 'electron';
  electronVersion: string;
  pickFolder(title?: string): Promise<string | null>;
}

export interface BackendOptions {
  dataDir: string;
  shell?: ShellAdapter;
  /** Validate handler results against the contract (tests turn this on). */
  validateOutput?: boolean;
}

export interface Backend {
  paths: DataPaths;
  db: Db;
  bus: EventBus;
  jobs: JobManager;
  gate: Gate;
  shell?: ShellAdapter;
  /** Poster images and thumbnails for the bridge route and the Electron protocol (set by the library module). */
  media?: MediaResolver;
  /** The use cases; handlers and CLI commands call these. */
  services: Services;
  catalog: BackboneCatalog;
  tf(): Promise<TfRuntime>;
  close(): Promise<void>;
}

/** The whole back end as a plain Node object: Electron main, the bridge and the CLI each create one. */
export function createBackend(opts: BackendOptions): Backend {
  const paths = ensureDataDir(opts.dataDir);
  // Downloaded and imported backbones live in the data folder, next to the bundled ones.
  const catalog = new BackboneCatalog({ userDir: paths.backbones });
  const db = openDatabase(paths.database);
  // Runs a previous session left running or queued can never finish: say so instead of showing them live.
  markInterruptedRuns(db);
  const bus = new EventBus();
  const jobs = new JobManager(bus);
  const releaseWorkers = retainEmbeddingWorkers();
  const media = createMediaResolver(db, paths.thumbnails);
  const predictor = new Predictor(db, path.join(paths.cache, 'uploads'), catalog);
  const services = createServices({ db, bus, jobs, paths, media, predictor, catalog });
  const backend = {
    paths,
    db,
    bus,
    jobs,
    shell: opts.shell,
    media,
    services,
    catalog,
    tf: () => loadTf(),
    async close() {
      await jobs.shutdown();
      await releaseWorkers();
      db.close();
    },
  } as Backend;
  backend.gate = createGate(createHandlers(backend), { validateOutput: opts.validateOutput });
  return backend;
}
