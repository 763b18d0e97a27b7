/**
 * Evaluates a trained run on a labelled folder (a split folder with metadata.csv, or any folder with a
 * labels CSV): embeddings are made (and cached) by the predictor, every metric is computed at the run's
 * tuned thresholds, at its global threshold, and optionally at a single override, next to the trivial
 * baselines. The folder is never added to the library.
 */
import type { Db } from '../db/database';
import type { JobContext } from '../jobs/types';
import { displayThresholds, headThresholds } from './head-tags';
import type { Mode } from '../ml/decision-rule';
import { evaluate, type EvalReport } from '../ml/metrics';
import { trivialBaselines, type Baselines } from '../ml/baselines';
import { getRun } from './runs-repo';
import type { Predictor } from './predictor';
import { readLabelledFolder } from '../training/labelled-folder';
import { targets, trainingData } from '../training/training-data';
import { InvalidError, NotFoundError } from '../core/errors';

export interface FolderEvaluation {
  runId: number;
  backbone: string;
  folder: string;
  labelsFile: string;
  genres: string[];
  n: number;
  /** The per-genre thresholds evaluated: the run's, under its saved mode and thresholds. */
  thresholds: number[];
  globalThreshold: number;
  /** The run's saved tagging settings the report uses (mode and saved per-genre thresholds). */
  settings: { mode: Mode; savedThresholds: number };
  /** At the run's per-genre thresholds (tuned on its validation set, or saved by the user). */
  report: EvalReport;
  /** At the run's single global threshold. */
  reportGlobal: EvalReport;
  /** At the threshold the caller asked for, when it did. */
  override?: { threshold: number; report: EvalReport };
  baselines: Baselines;
  /** Where the baselines' genre frequencies come from. */
  baselineSource: 'training set' | 'evaluated set';
  skipped: { path: string; reason: string }[];
  missing: number;
  unlabelled: number;
  warnings: string[];
}

export interface EvaluateFolderOptions {
  labels?: string;
  threshold?: number;
  ctx?: JobContext;
}

/** Frequencies of the run's own training split when its library is still there. */
function trainingTargets(db: Db, libraryId: number | null, genres: string[]): { y: Uint8Array; n: number } | undefined {
  if (libraryId === null) return undefined;
  try {
    const data = trainingData(db, libraryId, { mode: 'pick', names: genres }, { dryRun: true });
    return { y: targets(data.train, genres), n: data.train.length };
  } catch {
    return undefined; // library removed or relabelled since: fall back to the evaluated set
  }
}

export async function evaluateRunOnFolder(
  db: Db,
  predictor: Predictor,
  runId: number,
  folder: string,
  opts: EvaluateFolderOptions = {},
): Promise<FolderEvaluation> {
  const run = getRun(db, runId);
  if (!run) throw new NotFoundError(`There is no run #${runId}.`);
  const head = await predictor.head(runId);
  const labelled = await readLabelledFolder(folder, { labels: opts.labels, signal: opts.ctx?.signal });
  const byLower = new Map(labelled.genres.map((g) => [g.toLowerCase(), g]));
  const absent = head.genres.filter((g) => !byLower.has(g.toLowerCase()));
  if (absent.length && labelled.genreColumns) {
    throw new InvalidError(
      `${labelled.labelsFile} has no column or label for ${absent.map((g) => `"${g}"`).join(', ')}, which run #${runId} predicts; its labels cannot be checked.`,
    );
  }
  if (labelled.items.length === 0) throw new InvalidError(`No labelled image of ${labelled.labelsFile} was found in ${labelled.folder}.`);

  const predictions = await predictor.predictFiles(
    runId,
    labelled.items.map((i) => i.path),
    { ctx: opts.ctx },
  );
  const skipped = [...labelled.broken];
  const genres = head.genres;
  const g = genres.length;
  const kept: { genres: string[]; scores: number[] }[] = [];
  predictions.forEach((p, i) => {
    if (p.error) skipped.push({ path: p.path, reason: p.error });
    else kept.push({ genres: labelled.items[i].genres.map((x) => x.toLowerCase()), scores: genres.map((x) => p.probabilities[x]) });
  });
  if (kept.length === 0) throw new InvalidError(`None of the ${labelled.items.length} labelled images could be read.`);

  const n = kept.length;
  const scores = new Float32Array(n * g);
  const y = new Uint8Array(n * g);
  kept.forEach((k, i) => {
    scores.set(k.scores, i * g);
    genres.forEach((genre, j) => (y[i * g + j] = k.genres.includes(genre.toLowerCase()) ? 1 : 0));
  });
  const train = trainingTargets(db, run.libraryId, genres);
  // The run's saved mode and thresholds, as Tag and predict use them ("at most N tags" ranks within a
  // poster, which per-genre metrics do not model).
  const saved = predictor.tagOptions(runId);
  const shown = displayThresholds(head, saved);
  return {
    runId,
    backbone: head.metadata.backbone.id,
    folder: labelled.folder,
    labelsFile: labelled.labelsFile,
    genres,
    n,
    thresholds: shown.thresholds,
    globalThreshold: head.metadata.globalThreshold,
    settings: { mode: saved.mode ?? 'balanced', savedThresholds: saved.overrides?.filter((t) => t !== null && t !== undefined).length ?? 0 },
    report: finiteThresholds(evaluate(scores, y, n, genres, headThresholds(head, saved)), shown.thresholds),
    reportGlobal: evaluate(scores, y, n, genres, head.metadata.globalThreshold),
    override: opts.threshold === undefined ? undefined : { threshold: opts.threshold, report: evaluate(scores, y, n, genres, opts.threshold) },
    baselines: trivialBaselines(train ?? { y, n }, { y, n }, genres),
    baselineSource: train ? 'training set' : 'evaluated set',
    skipped,
    missing: labelled.missing,
    unlabelled: labelled.unlabelled,
    warnings: labelled.warnings,
  };
}

/** A genre the rule never tags is evaluated at Infinity; report its rule threshold (JSON has no Infinity). */
function finiteThresholds(report: EvalReport, fallback: readonly number[]): EvalReport {
  report.perGenre.forEach((m, j) => {
    if (!Number.isFinite(m.threshold)) m.threshold = fallback[j];
  });
  return report;
}
