/**
 * Decision thresholds for multi-label scores: per genre (tuned on validation to maximise that genre's
 * F1), one global threshold (tuned for micro-F1) and the user's override (the tutorial's fixed 0.5).
 * A tuned threshold sits halfway between the lowest score kept and the next lower score, so it does not
 * hug a single validation example.
 */
import type { Scores, Targets } from './metrics';

export interface TunedThreshold {
  threshold: number;
  /** F1 reached on the tuning data, null when the genre was not tuned (too few positives). */
  f1: number | null;
  tuned: boolean;
}

export const DEFAULT_THRESHOLD = 0.5;

/** Sorts by descending score and tries a cut below each distinct score; returns the best cut. */
function sweep(entries: { score: number; positive: boolean }[], metric: (tp: number, predicted: number) => number): { threshold: number; value: number } {
  entries.sort((a, b) => b.score - a.score);
  let best = { threshold: DEFAULT_THRESHOLD, value: -1 };
  let tp = 0;
  for (let i = 0; i < entries.length;) {
    const s = entries[i].score;
    for (; i < entries.length && entries[i].score === s; i++) if (entries[i].positive) tp++;
    const value = metric(tp, i);
    // Strictly better only: on ties the higher threshold (fewer predicted genres) wins.
    if (value > best.value) {
      const next = i < entries.length ? entries[i].score : undefined;
      best = { threshold: next === undefined ? s : (s + next) / 2, value };
    }
  }
  return best;
}

/**
 * One threshold per genre maximising that genre's F1 on (validation) scores. Genres with fewer than
 * `minPositives` positives get `fallback` instead (default 0.5; pass the global threshold), since a
 * threshold fitted to one or two posters is noise.
 */
export function tuneGenreThresholds(
  scores: Scores,
  targets: Targets,
  n: number,
  g: number,
  opts: { minPositives?: number; fallback?: number } = {},
): TunedThreshold[] {
  if (scores.length !== n * g || targets.length !== n * g) throw new Error(`Expected ${n}×${g} scores and targets`);
  const minPositives = Math.max(1, opts.minPositives ?? 3);
  const fallback = opts.fallback ?? DEFAULT_THRESHOLD;
  const out: TunedThreshold[] = [];
  for (let j = 0; j < g; j++) {
    const entries: { score: number; positive: boolean }[] = [];
    let positives = 0;
    for (let i = 0; i < n; i++) {
      const positive = targets[i * g + j] > 0.5;
      if (positive) positives++;
      entries.push({ score: scores[i * g + j], positive });
    }
    if (positives < minPositives) {
      out.push({ threshold: fallback, f1: null, tuned: false });
      continue;
    }
    const best = sweep(entries, (tp, predicted) => (2 * tp) / (positives + predicted));
    out.push({ threshold: best.threshold, f1: best.value, tuned: true });
  }
  return out;
}

/** One threshold for every genre, maximising micro-F1 over all N×G decisions. */
export function tuneGlobalThreshold(scores: Scores, targets: Targets, n: number, g: number): { threshold: number; microF1: number } {
  if (scores.length !== n * g || targets.length !== n * g) throw new Error(`Expected ${n}×${g} scores and targets`);
  const entries: { score: number; positive: boolean }[] = new Array(n * g);
  let positives = 0;
  for (let i = 0; i < n * g; i++) {
    const positive = targets[i] > 0.5;
    if (positive) positives++;
    entries[i] = { score: scores[i], positive };
  }
  if (positives === 0) return { threshold: DEFAULT_THRESHOLD, microF1: 0 };
  const best = sweep(entries, (tp, predicted) => (2 * tp) / (positives + predicted));
  return { threshold: best.threshold, microF1: best.value };
}

/** Per-genre thresholds tuned on validation, with the global threshold as fallback for rare genres. */
export function tuneThresholds(
  scores: Scores,
  targets: Targets,
  n: number,
  g: number,
  opts: { minPositives?: number } = {},
): { thresholds: number[]; globalThreshold: number; perGenre: TunedThreshold[] } {
  const global = tuneGlobalThreshold(scores, targets, n, g);
  const perGenre = tuneGenreThresholds(scores, targets, n, g, { minPositives: opts.minPositives, fallback: global.threshold });
  return { thresholds: perGenre.map((t) => t.threshold), globalThreshold: global.threshold, perGenre };
}

/** The thresholds actually used: the user's single override (e.g. 0.5) replaces every tuned one. */
export function effectiveThresholds(perGenre: readonly number[], override?: number | null): number[] {
  if (override === undefined || override === null) return [...perGenre];
  if (!Number.isFinite(override) || override < 0 || override > 1) throw new Error(`Threshold override must be between 0 and 1, got ${override}`);
  return perGenre.map(() => override);
}
