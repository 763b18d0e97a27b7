import type { MetricInterval, RunEvaluation } from './types';

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 poster", "2,000 posters"; an irregular plural as the third argument. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

export function formatPercent(x: number | undefined | null, digits = 1): string {
  return x === undefined || x === null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A probability as a whole percentage: 0.873 → "87%". */
export function formatProbability(p: number | undefined | null): string {
  return formatPercent(p, 0);
}

/** Genres by their probability, strongest first (ties: alphabetical, so the order is stable). */
export function byConfidence(genres: Iterable<string>, probabilities: Record<string, number>): string[] {
  return [...genres].sort((a, b) => (probabilities[b] ?? 0) - (probabilities[a] ?? 0) || a.localeCompare(b));
}

/** One genre chip in a list that shows only what fits and a "+N more" chip for the rest. */
export interface GenreChip {
  genre: string;
  /** What the chip reads, e.g. "Comedy". */
  text: string;
  /** A smaller second part, e.g. the probability "87%". */
  detail?: string;
  /** label: a genre from the data set; user: a label the user set; predicted: a tag of the model; below: not a tag (under its threshold). */
  kind: 'label' | 'user' | 'predicted' | 'below';
  /** The model's probability, when known. */
  p?: number;
  /** Always shown, highlighted (e.g. the genre the gallery is filtered by). */
  pinned?: boolean;
  title: string;
  testid?: string;
}

/** The chips shown when `count` fit: every pinned chip plus the first others, in their original order. */
export function visibleChips<T extends { pinned?: boolean }>(chips: readonly T[], count: number): { shown: T[]; hidden: T[] } {
  const pinned = chips.filter((c) => c.pinned).length;
  let others = Math.max(0, count - pinned);
  const shown: T[] = [];
  const hidden: T[] = [];
  for (const c of chips) {
    if (c.pinned) shown.push(c);
    else if (others > 0) {
      shown.push(c);
      others--;
    } else hidden.push(c);
  }
  return { shown, hidden };
}

/**
 * How many chips fit in `lines` wrapped lines of `width` px (as CSS flex-wrap lays them out), leaving
 * room for the "+N" chip whenever some are left out (`short`: always its short form, for one style on a screen).
 * Pinned chips always count as shown.
 */
export function fitChipCount(
  chips: readonly { pinned?: boolean }[],
  widths: readonly number[],
  more: { long: number; short: number },
  width: number,
  gap: number,
  lines: number,
  max = Infinity,
): { count: number; short: boolean } {
  const indexOf = new Map(chips.map((c, i) => [c, i]));
  const fits = (ws: number[]) => {
    let line = 1;
    let used = 0;
    for (const raw of ws) {
      const w = Math.min(raw, width);
      if (used > 0 && used + gap + w > width + 0.5) {
        line++;
        used = w;
      } else used += used > 0 ? gap + w : w;
      if (line > lines) return false;
    }
    return true;
  };
  for (let k = Math.min(max, chips.length); k > 0; k--) {
    const { shown, hidden } = visibleChips(chips, k);
    const ws = shown.map((c) => widths[indexOf.get(c)!] ?? 0);
    if (!hidden.length) {
      if (fits(ws)) return { count: k, short: false };
      continue;
    }
    // Always the short "+N" (its title lists the rest), so every card on a screen reads the same.
    if (fits([...ws, more.short])) return { count: k, short: true };
  }
  return { count: 0, short: false };
}

/** What measuredOn needs of a run's evaluation. */
type MeasuredOn = Pick<RunEvaluation, 'kind' | 'n' | 'folds'>;

/** "out-of-fold, 5-fold CV on 3,750 posters" / "on 750 validation posters". */
export function measuredOn(e: MeasuredOn): string {
  const posters = `${formatCount(e.n)} poster${e.n === 1 ? '' : 's'}`;
  if (e.kind === 'cross-validation') return `out-of-fold, ${e.folds ?? 5}-fold CV on ${posters}`;
  return `on ${formatCount(e.n)} validation poster${e.n === 1 ? '' : 's'}`;
}

/** An interval's bounds as percentages: "25.9–29.8%"; '' without one. */
export function formatPercentRange(iv: MetricInterval | null | undefined, digits = 1): string {
  if (!iv || !Number.isFinite(iv.low) || !Number.isFinite(iv.high)) return '';
  return `${(iv.low * 100).toFixed(digits)}–${(iv.high * 100).toFixed(digits)}%`;
}

/** A metric with its 95% interval when there is one: "27.5% (25.9–29.8%)", else "27.5%". */
export function formatPercentWithInterval(value: number | null | undefined, iv?: MetricInterval | null, digits = 1): string {
  const range = formatPercentRange(iv, digits);
  return range ? `${formatPercent(iv!.value, digits)} (${range})` : formatPercent(value, digits);
}

/** What a head's per-epoch curves show, for axis labels and captions (live runs have no evaluation yet). */
export interface CurveWording {
  /** The x axis. */
  x: string;
  /** One x point in the legend ("round" / "epoch"). */
  point: string;
  /** Legend names of the two loss curves. */
  fitted: string;
  heldOut: string;
  /** What the quality chart's F1 means. */
  f1: string;
  /** Short form for legend labels ("(threshold 0.5)"). */
  f1Short: string;
  /** Whether the chart marks a kept epoch (only heads with early stopping have one). */
  keptEpoch: boolean;
}

const OUT_OF_FOLD_F1 = 'out-of-fold scores; F1 at the best single out-of-fold threshold (the final rule is tuned per genre)';
const VALIDATION_F1 = 'validation posters; F1 at threshold 0.5';

export function curveWording(head: string, evaluation?: { kind: MeasuredOn['kind']; folds: number | null; curveF1: string } | null): CurveWording {
  const crossValidated = evaluation ? evaluation.kind === 'cross-validation' : head === 'default';
  if (crossValidated) {
    return {
      x: 'Optimiser round',
      point: 'round',
      fitted: 'in-sample',
      heldOut: 'out-of-fold',
      f1: evaluation?.curveF1 ?? OUT_OF_FOLD_F1,
      f1Short: '(best single threshold)',
      keptEpoch: false,
    };
  }
  return {
    x: 'Epoch',
    point: 'epoch',
    fitted: 'train',
    heldOut: 'validation',
    f1: evaluation?.curveF1 ?? VALIDATION_F1,
    f1Short: '(threshold 0.5)',
    keptEpoch: true,
  };
}

/** Below this many evaluated posters a run's numbers are not shown as a headline ("100%" from a handful means nothing). */
export const MIN_POSTERS_TO_SCORE = 30;

/** The run's numbers rest on so few posters that they are kept out of headlines. */
export function tooFewToScore(e: { n: number } | null | undefined): boolean {
  return e != null && e.n < MIN_POSTERS_TO_SCORE;
}
