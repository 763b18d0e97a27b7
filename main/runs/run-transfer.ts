/**
 * Moving a trained model between computers as one file: export a done run's model folder with
 * exportHead, import a file as a new run (status done) so predict, tag and the UI can use it.
 * An import is refused before anything is written when the file is damaged, changed, not a model, or
 * needs a backbone that is missing here or is a different build.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/database';
import { EvalReport } from '../../contract/schemas/training';
import { exportHead, importHead, ModelFileError, readHeadExport, readHeadMetadata, type HeadMetadata } from './model-io';
import { createRun, deleteRun, findImportedRun, getRun, IMPORTED_PREFIX, listRuns, setRunStatus, type Run } from './runs-repo';
import { checkBackboneFor } from './predictor';
import type { BackboneCatalog } from '../ml/backbones/catalog';
import { storedTrainConfig } from '../ml/head';
import { runModelDir, type RunOutcome } from '../training/train-run';
import { evaluationFromMetadata, evaluationOf } from './run-evaluation';
import { ConflictError, InvalidError, NotFoundError } from '../core/errors';

export interface ExportResult {
  file: string;
  bytes: number;
  /** The target exists and overwrite was not set: nothing was written; the caller asks, naming this file. */
  exists?: string;
}

/** A damaged or foreign model file is the user's to fix; anything else is ours. */
function asInvalidFile(err: unknown): never {
  if (err instanceof ModelFileError) throw new InvalidError(err.message);
  throw err;
}

/** The absolute path of an export file, refused when it is a folder or its folder does not exist. */
export function exportTarget(file: string, example: string): string {
  const target = path.resolve(file);
  if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidError(`${target} is a folder; give a file name such as ${path.join(target, example)}.`);
  // A mistyped folder is not created: the model would land somewhere the user does not expect.
  const folder = path.dirname(target);
  const folderStat = fs.statSync(folder, { throwIfNoEntry: false });
  if (!folderStat) throw new InvalidError(`The folder ${folder} does not exist.`);
  if (!folderStat.isDirectory()) throw new InvalidError(`${folder} is a file, not a folder.`);
  return target;
}

/** Run `runId` with its saved model, or why it has none to export. */
export function exportableRun(db: Db, runId: number): Run & { modelPath: string } {
  const run = getRun(db, runId);
  if (!run) throw new NotFoundError(`There is no run #${runId}.`);
  if (run.status !== 'done' || !run.modelPath || !fs.existsSync(run.modelPath))
    throw new InvalidError(`Run #${runId} has no saved model to export (it is ${run.status}).`);
  return run as Run & { modelPath: string };
}

/** Writes run `runId`'s model to `file` (one JSON file); an existing file is only replaced with `overwrite`. */
export function exportRun(db: Db, runId: number, file: string, opts: { overwrite?: boolean } = {}): ExportResult {
  const run = exportableRun(db, runId);
  const target = exportTarget(file, 'model.ptmodel');
  // An existing file is an answer, not an error: the UI asks "Replace <file>?" and calls again with overwrite.
  if (fs.existsSync(target) && !opts.overwrite) return { file: target, bytes: 0, exists: target };
  // The file carries how the run was measured, so an import on another computer says the same.
  const outcome = run.metrics ? (run.metrics as RunOutcome) : null;
  let evaluation: ReturnType<typeof evaluationOf> | undefined;
  try {
    evaluation = outcome?.metrics ? evaluationOf(outcome) : undefined;
  } catch {
    evaluation = undefined; // metrics of an unexpected shape: the model still exports, without the summary
  }
  try {
    exportHead(run.modelPath, target, { evaluation });
  } catch (err) {
    asInvalidFile(err);
  }
  return { file: target, bytes: fs.statSync(target).size };
}

/** What the runs table keeps for an imported model: its validation metrics when they are a full report. */
function outcomeOf(metadata: HeadMetadata, file: string): Partial<RunOutcome> {
  const metrics = EvalReport.safeParse(metadata.metrics);
  const evaluation = evaluationFromMetadata(metadata);
  return {
    ...(metrics.success ? { metrics: metrics.data } : {}),
    thresholds: metadata.thresholds,
    globalThreshold: metadata.globalThreshold,
    ...(metadata.decision ? { decision: metadata.decision } : {}),
    ...(evaluation ? { evaluation } : {}),
    notes: [`Imported from ${path.basename(file)} (trained with Poster Tagger ${metadata.appVersion} on ${metadata.createdAt}).`],
  };
}

/** Checks `file` completely, then stores it as a new done run under `modelsDir`. */
export async function importRun(db: Db, modelsDir: string, file: string, catalog: BackboneCatalog): Promise<Run> {
  const source = path.resolve(file);
  const stat = fs.statSync(source, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw new InvalidError(`${source} is a folder, not a model file: give the path of an exported model file (such as model.ptmodel).`);
  if (!stat?.isFile()) throw new InvalidError(`File not found: ${source}`);
  let metadata: HeadMetadata;
  let sha256: string;
  try {
    ({ metadata, sha256 } = readHeadExport(source));
  } catch (err) {
    asInvalidFile(err);
  }
  const same = sameModel(db, sha256, metadata);
  if (same) throw new ConflictError(`This model is already run #${same.id}.`);
  checkBackboneFor({ metadata }, catalog);
  const outcome = outcomeOf(metadata, source);
  // The file's settings, read with the same schema as a stored run's (what no longer validates takes its default).
  const config = storedTrainConfig(metadata.config);
  const run = createRun(db, {
    libraryId: null,
    importSha256: sha256,
    dataset: `${IMPORTED_PREFIX}${path.basename(source)}`,
    backbone: metadata.backbone.id,
    genres: metadata.genres,
    config,
    seed: config.seed,
  });
  const dir = runModelDir(modelsDir, run.id);
  try {
    fs.rmSync(dir, { recursive: true, force: true }); // a stale folder of a deleted run with the same id
    await importHead(source, dir);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    deleteRun(db, run.id);
    asInvalidFile(err);
  }
  // Without a full report the run shows no metrics rather than half-filled ones.
  setRunStatus(db, run.id, 'done', { metrics: outcome.metrics ? outcome : null, modelPath: dir });
  return getRun(db, run.id)!;
}

/**
 * The run that already has this model: one imported from a file with the same checksum, else a run whose
 * saved model has the same weights (a run trained here, or imported before checksums were kept).
 */
function sameModel(db: Db, sha256: string, metadata: HeadMetadata): Run | undefined {
  const imported = findImportedRun(db, sha256);
  if (imported) return imported;
  return listRuns(db)
    .filter((r) => r.status === 'done' && r.modelPath && fs.existsSync(r.modelPath))
    .sort((a, b) => a.id - b.id)
    .find((r) => {
      try {
        const m = readHeadMetadata(r.modelPath!);
        return m.weightsSha256 === metadata.weightsSha256 && m.genres.join('\n') === metadata.genres.join('\n');
      } catch {
        return false;
      }
    });
}
