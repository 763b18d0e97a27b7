/**
 * A new run against the model it would replace, on the posters BOTH held out: the val side of both
 * training sets (training-set.json), matched by content hash, scored by each run's stored evaluation
 * probabilities (evaluation.json). Those scores come from a model that did not fit the poster: the
 * validation model for epoch heads, the fold model that left it out for the cross-validated head. A
 * poster on the train side of either run is never compared, whatever its score; nothing is predicted
 * again. One truth for both: the labels of `run`'s training set (the newer run, by default).
 */
import type { z } from 'zod';
import type { RunComparison } from '../../contract/schemas/training';
import type { Db } from '../db/database';
import { evaluate } from '../ml/metrics';
import { readTrainingSet, type TrainingSet } from '../training/training-set';
import { readEvaluation, type StoredEvaluation } from '../training/train-run';
import { getRun, type Run } from './runs-repo';
import { defaultRun } from './run-choice';
import { NotFoundError } from '../core/errors';

export type Comparison = z.infer<typeof RunComparison>;

/** Fewer shared held-out posters than this: the numbers would be noise, so none are given. */
export const MIN_SHARED = 30;

/** One run's held-out posters: what it scored them, what the labels were, its tagging thresholds. */
export interface HeldOut {
  genres: string[];
  /** Per genre, in `genres` order; Infinity for a genre the run never tags automatically. */
  thresholds: number[];
  /** By content hash: the stored score per genre and the labels the run trained with. */
  posters: Map<string, { scores: number[]; truth: string[] }>;
}

/**
 * A run's held-out posters from its two files: evaluation items on the val side of its training set.
 * `reason` when the run cannot be compared (no training set recorded, no stored evaluation).
 */
export function heldOutOf(set: TrainingSet | undefined, evaluation: StoredEvaluation | undefined): HeldOut | { reason: string } {
  if (!set) return { reason: 'it has no recorded training set (trained before runs recorded one, or imported)' };
  if (!evaluation) return { reason: 'it has no stored evaluation scores' };
  const byImage = new Map(set.posters.map((p) => [p.imageId, p]));
  const posters = new Map<string, { scores: number[]; truth: string[] }>();
  for (const item of evaluation.items) {
    const p = item.imageId === null ? undefined : byImage.get(item.imageId);
    if (p?.split === 'val') posters.set(p.hash, { scores: item.scores, truth: p.genres });
  }
  const thresholds = evaluation.genres.map((_, j) => (evaluation.auto && !evaluation.auto[j] ? Number.POSITIVE_INFINITY : evaluation.thresholds[j]));
  return { genres: evaluation.genres, thresholds, posters };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** Why there are no numbers to give (no genre or poster in common, too few posters), or null. */
function notComparable(genres: number, shared: number, minShared: number): { status: 'none' | 'too-few'; message: string } | null {
  if (genres === 0) return { status: 'none', message: 'The two runs predict no genre in common.' };
  if (shared === 0)
    return { status: 'none', message: 'No poster was held out by both runs (val side in both training sets), so they cannot be compared fairly.' };
  if (shared < minShared)
    return {
      status: 'too-few',
      message: `Only ${shared} poster${shared === 1 ? ' was' : 's were'} held out by both runs: too few to compare (at least ${minShared} are needed).`,
    };
  return null;
}

/** The comparison of `run` (newer) with `against` on the posters both held out, over the genres both predict. */
export function compareHeldOut(run: HeldOut, against: HeldOut, minShared = MIN_SHARED): Omit<Comparison, 'runId' | 'againstRunId' | 'againstReason'> {
  const lower = (list: string[]) => list.map((g) => g.toLowerCase());
  const theirs = lower(against.genres);
  const genres = run.genres.filter((g) => theirs.includes(g.toLowerCase()));
  const mine = lower(run.genres);
  const cols = genres.map((g) => ({ a: mine.indexOf(g.toLowerCase()), b: theirs.indexOf(g.toLowerCase()) }));
  const shared = [...run.posters.keys()].filter((h) => against.posters.has(h)).sort();
  let relabelled = 0;
  for (const h of shared) {
    const key = (t: string[]) => lower(t).sort().join('\n');
    if (key(run.posters.get(h)!.truth) !== key(against.posters.get(h)!.truth)) relabelled++;
  }
  const base = { shared: shared.length, minShared, genres, relabelled };
  const why = notComparable(genres.length, shared.length, minShared);
  if (why) return { ...base, ...why, run: null, against: null, perGenre: [] };
  const n = shared.length;
  const g = genres.length;
  const y = new Uint8Array(n * g);
  const sa = new Float32Array(n * g);
  const sb = new Float32Array(n * g);
  shared.forEach((h, i) => {
    const a = run.posters.get(h)!;
    const b = against.posters.get(h)!;
    const truth = new Set(lower(a.truth));
    genres.forEach((genre, j) => {
      y[i * g + j] = truth.has(genre.toLowerCase()) ? 1 : 0;
      sa[i * g + j] = a.scores[cols[j].a] ?? 0;
      sb[i * g + j] = b.scores[cols[j].b] ?? 0;
    });
  });
  const ra = evaluate(
    sa,
    y,
    n,
    genres,
    cols.map((c) => run.thresholds[c.a]),
  );
  const rb = evaluate(
    sb,
    y,
    n,
    genres,
    cols.map((c) => against.thresholds[c.b]),
  );
  const perGenre = genres.map((genre, j) => {
    const ap = ra.perGenre[j].averagePrecision;
    const bp = rb.perGenre[j].averagePrecision;
    return {
      genre,
      support: ra.perGenre[j].support,
      ap: ap === null ? null : round(ap),
      againstAp: bp === null ? null : round(bp),
      delta: ap === null || bp === null ? null : round(ap - bp),
    };
  });
  return {
    ...base,
    status: 'ok',
    message: `On the ${n} posters both runs held out.`,
    run: { mAP: round(ra.mAP), microF1: round(ra.microF1) },
    against: { mAP: round(rb.mAP), microF1: round(rb.microF1) },
    perGenre,
  };
}

function heldOutOfRun(run: Run): HeldOut | { reason: string } {
  if (!run.modelPath) return { reason: `it has no saved model (it is ${run.status})` };
  try {
    return heldOutOf(readTrainingSet(run.modelPath), readEvaluation(run.modelPath));
  } catch (err) {
    return { reason: `its saved files cannot be read (${(err as Error).message})` };
  }
}

/**
 * `runId` against `againstRunId`, or by default against the tagging model it would replace: the model
 * Tag uses when this run is left out (runs:default). status 'unavailable' when either run lacks its files.
 */
export function compareRuns(db: Db, runId: number, againstRunId?: number): Comparison {
  const run = getRun(db, runId);
  if (!run) throw new NotFoundError(`There is no run #${runId}.`);
  let against: Run | undefined;
  let againstReason: string | null;
  if (againstRunId !== undefined) {
    against = getRun(db, againstRunId);
    if (!against) throw new NotFoundError(`There is no run #${againstRunId}.`);
    againstReason = 'chosen by you';
  } else {
    const choice = defaultRun(db, { without: runId });
    against = choice?.run;
    againstReason = choice ? `the model it would replace (${choice.reason})` : null;
  }
  const empty = { shared: 0, minShared: MIN_SHARED, genres: [], relabelled: 0, run: null, against: null, perGenre: [] };
  const ids = { runId, againstRunId: against?.id ?? null, againstReason };
  if (!against) return { ...ids, ...empty, status: 'unavailable', message: 'There is no other model to compare with.' };
  if (against.id === runId) return { ...ids, ...empty, status: 'unavailable', message: 'A run compared with itself says nothing.' };
  const a = heldOutOfRun(run);
  if ('reason' in a) return { ...ids, ...empty, status: 'unavailable', message: `Run #${runId} cannot be compared: ${a.reason}.` };
  const b = heldOutOfRun(against);
  if ('reason' in b) return { ...ids, ...empty, status: 'unavailable', message: `Run #${against.id} cannot be compared: ${b.reason}.` };
  return { ...ids, ...compareHeldOut(a, b) };
}
