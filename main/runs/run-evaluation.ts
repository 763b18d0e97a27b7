/**
 * How a finished run's headline numbers were measured (RunSummary.evaluation): out of fold by
 * cross-validation with 95% intervals, or on validation posters. A model file carries this summary
 * (metadata.evaluation), so an imported run says how it was measured on the computer it was trained on.
 */
import type { z } from 'zod';
import { RunEvaluation } from '../../contract/schemas/training';
import { reliabilityWarnings } from '../ml/intervals';
import type { HeadMetadata } from './model-io';
import type { RunOutcome } from '../training/train-run';

export type RunEvaluationSummary = z.infer<typeof RunEvaluation>;

const OUT_OF_FOLD_F1 = 'out-of-fold scores; F1 at the best single out-of-fold threshold (the final rule is tuned per genre)';
const VALIDATION_F1 = 'validation posters; F1 at threshold 0.5';

/** A finished run's summary; older runs (validation posters) get their warnings computed here. */
export function evaluationOf(outcome: RunOutcome): RunEvaluationSummary {
  // An imported run keeps the summary its model file carried.
  const kept = outcome.evaluation ? RunEvaluation.safeParse(outcome.evaluation) : undefined;
  if (kept?.success) return kept.data;
  const cv = outcome.crossValidation;
  if (cv) {
    return {
      kind: 'cross-validation',
      n: cv.intervals.n,
      folds: cv.folds,
      intervals: {
        mAP: cv.intervals.mAP,
        microF1: cv.intervals.microF1,
        macroF1: cv.intervals.macroF1,
        samplesF1: cv.intervals.samplesF1,
        tagsPerPoster: cv.intervals.tagsPerPoster,
      },
      labelledMeanTags: outcome.decision?.labelledMeanTags ?? null,
      curveF1: OUT_OF_FOLD_F1,
      warnings: cv.warnings,
    };
  }
  const m = outcome.metrics;
  return {
    kind: 'validation',
    n: m.n,
    folds: null,
    intervals: null,
    labelledMeanTags: null,
    curveF1: VALIDATION_F1,
    warnings: reliabilityWarnings(
      m.n,
      m.perGenre.map((g) => g.support),
      m.perGenre.map((g) => g.genre),
    ),
  };
}

/**
 * The summary a model file carries, for an imported run. Files written since the summary is exported
 * have it whole; older ones have { outOfFold, folds, intervals, warnings } (cross-validated) or
 * { outOfFold: false } or nothing: what is missing is rebuilt from the metrics and the decision rule.
 * null when the file says nothing usable (the caller falls back to the metrics alone).
 */
export function evaluationFromMetadata(metadata: Pick<HeadMetadata, 'evaluation' | 'decision' | 'metrics'>): RunEvaluationSummary | null {
  const raw = metadata.evaluation as Record<string, unknown> | undefined;
  if (!raw) return null;
  const whole = RunEvaluation.safeParse(raw);
  if (whole.success) return whole.data;
  if (raw.outOfFold !== true) return null;
  const intervals = RunEvaluation.shape.intervals.safeParse(raw.intervals);
  const n =
    typeof (raw.intervals as { n?: unknown } | undefined)?.n === 'number'
      ? (raw.intervals as { n: number }).n
      : Number((metadata.metrics as { n?: unknown }).n);
  if (!Number.isFinite(n)) return null;
  const warnings = Array.isArray(raw.warnings) ? raw.warnings.filter((w): w is string => typeof w === 'string') : [];
  return {
    kind: 'cross-validation',
    n,
    folds: typeof raw.folds === 'number' ? raw.folds : null,
    intervals: intervals.success ? intervals.data : null,
    labelledMeanTags: metadata.decision?.labelledMeanTags ?? null,
    curveF1: OUT_OF_FOLD_F1,
    warnings,
  };
}
