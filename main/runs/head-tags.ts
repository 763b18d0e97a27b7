/**
 * A loaded head used on cached embeddings: the columns it reads, its scores with the test-time flip, and
 * tags by its decision rule (mode, at most N tags, the user's saved thresholds) or, for models trained
 * before decision rules, by their per-genre thresholds.
 */
import { findBackbone } from '../ml/backbones/registry';
import { applyDecisionRule, thresholdsForMode, type Mode, type ThresholdOverrides } from '../ml/decision-rule';
import { headColumns, selectColumns, type LoadedHead } from './model-io';
import { predictScores, tagsFromScores } from '../ml/predict';

export interface TagOptions {
  mode?: Mode;
  maxTags?: number;
  /** User-saved per-genre thresholds (null keeps the model's). */
  overrides?: ThresholdOverrides;
  /** One threshold for every genre (the tutorial's 0.5), replacing the rule. */
  threshold?: number | null;
}

/** n×genres probabilities from n cached embeddings of the head's backbone (both views when given). */
export async function headScores(
  head: LoadedHead,
  x: Float32Array,
  n: number,
  opts: { xFlip?: Float32Array; signal?: AbortSignal } = {},
): Promise<Float32Array> {
  if (n === 0) return new Float32Array();
  const full = x.length / n;
  const spec = findBackbone(head.metadata.backbone.id);
  const cols = headColumns(head.metadata.embeddingSize, { embeddingSize: full, taps: spec?.embeddingSize === full ? spec.taps : undefined });
  return predictScores(head.model, selectColumns(x, n, full, cols), n, {
    xFlip: opts.xFlip ? selectColumns(opts.xFlip, n, full, cols) : undefined,
    signal: opts.signal,
  });
}

/** What tagging reads of a head: its genres, thresholds and decision rule (no weights needed). */
export type HeadRules = Pick<LoadedHead, 'genres' | 'thresholds'> & { metadata: Pick<LoadedHead['metadata'], 'decision'> };

/** Each poster's tags, most confident first. */
export function headTags(head: HeadRules, scores: Float32Array, n: number, opts: TagOptions = {}): { tags: string[][]; suggestions: string[][] } {
  const rule = head.metadata.decision;
  if (rule && (opts.threshold === undefined || opts.threshold === null)) {
    return applyDecisionRule(scores, n, rule, { mode: opts.mode, maxTags: opts.maxTags, overrides: opts.overrides });
  }
  const g = head.genres.length;
  const tags = tagsFromScores(scores, n, head.genres, headThresholds(head, opts), opts.threshold).map((row, i) => {
    const sorted = [...row].sort((a, b) => scores[i * g + head.genres.indexOf(b)] - scores[i * g + head.genres.indexOf(a)]);
    return opts.maxTags ? sorted.slice(0, opts.maxTags) : sorted;
  });
  return { tags, suggestions: tags.map(() => []) };
}

/** The per-genre thresholds the head tags with (Infinity for a genre it never tags); for evaluate(). */
export function headThresholds(head: HeadRules, opts: Pick<TagOptions, 'mode' | 'overrides'> = {}): number[] {
  const rule = head.metadata.decision;
  if (rule) return thresholdsForMode(rule, opts.mode, opts.overrides);
  return opts.overrides ? head.thresholds.map((t, j) => opts.overrides![j] ?? t) : head.thresholds;
}

/**
 * The thresholds a head tags with, for display (JSON-safe): per genre its threshold under the mode and the
 * saved thresholds, and whether it is tagged automatically (a genre that is not only gives suggestions at
 * its threshold).
 */
export function displayThresholds(head: HeadRules, opts: Pick<TagOptions, 'mode' | 'overrides'> = {}): { thresholds: number[]; auto: boolean[] } {
  const rule = head.metadata.decision;
  if (!rule) return { thresholds: headThresholds(head, opts), auto: head.genres.map(() => true) };
  // Every genre as if auto: its raw threshold (thresholdsForMode gives Infinity to the others).
  const allAuto = { ...rule, genres: rule.genres.map((gd) => ({ ...gd, auto: true })) };
  return {
    thresholds: thresholdsForMode(allAuto, opts.mode, opts.overrides),
    auto: rule.genres.map((gd) => gd.auto),
  };
}
