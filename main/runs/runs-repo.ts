/** Queries on training runs and their epochs (tables from migration 003_runs). */
import type { Db } from '../db/database';
import type { EpochMetrics } from '../ml/train';
import { storedTrainConfig, type TrainConfig, type TrainSettingsInput } from '../ml/head';

export const RUN_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
const FINISHED: readonly RunStatus[] = ['done', 'failed', 'cancelled', 'interrupted'];

export interface Run {
  id: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  libraryId: number | null;
  /** Human description of the data: library name, splits, counts. */
  dataset: string;
  backbone: string;
  genres: string[];
  /** The training settings, parsed with the contract's schema when read back. */
  config: TrainConfig;
  seed: number;
  status: RunStatus;
  error: string | null;
  metrics: unknown;
  modelPath: string | null;
  /** Imported from a model file: that file's content checksum (null for runs trained here, and for imports made before it was kept). */
  importSha256: string | null;
  /** The run was imported from a model file rather than trained here. */
  imported: boolean;
}

export interface NewRun {
  libraryId?: number | null;
  dataset: string;
  backbone: string;
  genres: readonly string[];
  /** Stored as given; read back parsed with the settings schema (what is missing takes its default). */
  config: TrainSettingsInput;
  seed: number;
  /** An imported model: the file's content checksum (see migration 008). */
  importSha256?: string | null;
}

interface RunRow {
  id: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  library_id: number | null;
  dataset: string;
  backbone: string;
  genres: string;
  config: string;
  seed: number;
  status: RunStatus;
  error: string | null;
  metrics: string | null;
  model_path: string | null;
  import_sha256: string | null;
}

interface EpochRow {
  epoch: number;
  train_loss: number | null;
  train_micro_f1: number | null;
  train_macro_f1: number | null;
  train_map: number | null;
  val_loss: number | null;
  val_micro_f1: number | null;
  val_macro_f1: number | null;
  val_map: number | null;
}

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ','now')`;

function toRun(r: RunRow): Run {
  return {
    id: r.id,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    libraryId: r.library_id,
    dataset: r.dataset,
    backbone: r.backbone,
    genres: JSON.parse(r.genres) as string[],
    config: storedTrainConfig(JSON.parse(r.config)),
    seed: r.seed,
    status: r.status,
    error: r.error,
    metrics: r.metrics === null ? null : JSON.parse(r.metrics),
    modelPath: r.model_path,
    importSha256: r.import_sha256,
    // Imports made before import_sha256 existed: no library, and the dataset text run-transfer.ts writes.
    imported: r.import_sha256 !== null || (r.library_id === null && r.dataset.startsWith(IMPORTED_PREFIX)),
  };
}

/** How an imported run's dataset text starts (main/runs/run-transfer.ts). */
export const IMPORTED_PREFIX = 'Imported from ';

/** NaN/Infinity are not JSON and not meaningful as REAL here: store NULL. */
const num = (v: number) => (Number.isFinite(v) ? v : null);
const fromNull = (v: number | null) => v ?? Number.NaN;

function toEpoch(r: EpochRow): EpochMetrics {
  return {
    epoch: r.epoch,
    train: { loss: fromNull(r.train_loss), microF1: fromNull(r.train_micro_f1), macroF1: fromNull(r.train_macro_f1), mAP: fromNull(r.train_map) },
    val: { loss: fromNull(r.val_loss), microF1: fromNull(r.val_micro_f1), macroF1: fromNull(r.val_macro_f1), mAP: fromNull(r.val_map) },
  };
}

export function createRun(db: Db, run: NewRun): Run {
  const info = db
    .prepare(`INSERT INTO runs (library_id, dataset, backbone, genres, config, seed, import_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    .run(run.libraryId ?? null, run.dataset, run.backbone, JSON.stringify(run.genres), JSON.stringify(run.config), run.seed, run.importSha256 ?? null);
  return getRun(db, Number(info.lastInsertRowid))!;
}

/**
 * Moves a run to a new status: 'running' stamps started_at, a finished status stamps finished_at.
 * `error`, `metrics` and `modelPath` are stored when given. Returns false when the run does not exist.
 */
export function setRunStatus(
  db: Db,
  id: number,
  status: RunStatus,
  extra: { error?: string | null; metrics?: unknown; modelPath?: string | null } = {},
): boolean {
  if (!RUN_STATUSES.includes(status)) throw new Error(`Unknown run status "${status}"`);
  const sets = ['status = @status'];
  if (status === 'running') sets.push(`started_at = ${NOW}`, 'finished_at = NULL');
  if (FINISHED.includes(status)) sets.push(`finished_at = ${NOW}`);
  if (extra.error !== undefined) sets.push('error = @error');
  if (extra.metrics !== undefined) sets.push('metrics = @metrics');
  if (extra.modelPath !== undefined) sets.push('model_path = @modelPath');
  const info = db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id`).run({
    id,
    status,
    error: extra.error ?? null,
    metrics: extra.metrics === undefined || extra.metrics === null ? null : JSON.stringify(extra.metrics),
    modelPath: extra.modelPath ?? null,
  });
  return info.changes > 0;
}

/** Records (or replaces) one epoch's metrics. */
export function addRunEpoch(db: Db, runId: number, e: EpochMetrics): void {
  db.prepare(
    `INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, train_micro_f1, train_macro_f1, train_map, val_loss, val_micro_f1, val_macro_f1, val_map)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    runId,
    e.epoch,
    num(e.train.loss),
    num(e.train.microF1),
    num(e.train.macroF1),
    num(e.train.mAP),
    num(e.val.loss),
    num(e.val.microF1),
    num(e.val.macroF1),
    num(e.val.mAP),
  );
}

export function getRunEpochs(db: Db, runId: number): EpochMetrics[] {
  return (db.prepare('SELECT * FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(runId) as EpochRow[]).map(toEpoch);
}

export function getRun(db: Db, id: number): Run | undefined {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  return row && toRun(row);
}

/** Newest first; optionally only one library's runs. */
export function listRuns(db: Db, opts: { libraryId?: number; limit?: number } = {}): Run[] {
  const where = opts.libraryId === undefined ? '' : 'WHERE library_id = @libraryId';
  const rows = db
    .prepare(`SELECT * FROM runs ${where} ORDER BY created_at DESC, id DESC LIMIT @limit`)
    .all({ libraryId: opts.libraryId ?? null, limit: opts.limit ?? -1 }) as RunRow[];
  return rows.map(toRun);
}

/** The run imported from a model file with this content checksum, if any (the lowest id). */
export function findImportedRun(db: Db, sha256: string): Run | undefined {
  const row = db.prepare('SELECT * FROM runs WHERE import_sha256 = ? ORDER BY id LIMIT 1').get(sha256) as RunRow | undefined;
  return row && toRun(row);
}

/** Deletes a run and (by cascade) its epochs. The model folder, if any, is the caller's to remove. */
export function deleteRun(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
}

/** At start-up: runs a previous session left running or queued can never finish. Returns how many. */
export function markInterruptedRuns(db: Db): number {
  return db
    .prepare(
      `UPDATE runs SET status = 'interrupted', finished_at = ${NOW}, error = COALESCE(error, 'The app stopped before the run finished') WHERE status IN ('running', 'queued')`,
    )
    .run().changes;
}

/** The libraries holding posters this run has stored predictions for (their galleries show its tags). */
export function librariesWithRunPredictions(db: Db, runId: number): number[] {
  return db.prepare('SELECT DISTINCT i.library_id FROM images i JOIN predictions p ON p.hash = i.hash AND p.run_id = ?').pluck().all(runId) as number[];
}
