/**
 * Bootstrap confidence intervals for the evaluation numbers, and plain-language reliability warnings.
 *
 * A resample draws N posters with replacement; rather than copying data it gives each poster an integer
 * weight (how often it was drawn), so per-genre sort orders are computed once and every metric comes
 * from weighted counts. The metric definitions are those of metrics.evaluate (genres without positives
 * in a resample are left out of macro-F1 and mAP for that resample).
 */
import { evaluate, thresholdList, type Scores, type Targets } from './metrics';
import { seededRandom } from './random';

/**
 * One genre's posters by descending score, packed for a fast weighted AP pass: code = poster << 2 |
 * 1 (positive) | 2 (last of its tie group; AP treats tied scores as one threshold).
 */
export interface GenreRanking {
  codes: Uint32Array;
  positives: number;
}

export function rankGenre(scores: Scores, targets: Targets, n: number, g: number, genre: number): GenreRanking {
  if (n >= 2 ** 30) throw new Error('Too many posters to rank');
  const col = new Float64Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    col[i] = scores[i * g + genre];
    order[i] = i;
  }
  order.sort((a, b) => col[b] - col[a]);
  const codes = new Uint32Array(n);
  let positives = 0;
  for (let p = 0; p < n; p++) {
    const i = order[p];
    let c = i << 2;
    if (targets[i * g + genre] > 0.5) {
      c |= 1;
      positives++;
    }
    if (p === n - 1 || col[order[p + 1]] !== col[i]) c |= 2;
    codes[p] = c >>> 0;
  }
  return { codes, positives };
}

/** Average precision with integer poster weights (a weight w counts as w copies); null without positives. */
export function rankingAP(r: GenreRanking, weights: ArrayLike<number>): number | null {
  const codes = r.codes;
  let tp = 0;
  let fp = 0;
  let prevTp = 0;
  let ap = 0;
  for (let p = 0; p < codes.length; p++) {
    const c = codes[p];
    const w = weights[c >>> 2];
    if (c & 1) tp += w;
    else fp += w;
    if (c & 2 && tp !== prevTp) {
      ap += (tp - prevTp) * (tp / (tp + fp));
      prevTp = tp;
    }
  }
  return tp > 0 ? ap / tp : null;
}

/** Weighted AP of one genre straight from the arrays (sorts every call; use rankGenre + rankingAP in loops). */
export function weightedAveragePrecision(scores: Scores, targets: Targets, n: number, g: number, genre: number, weights: ArrayLike<number>): number | null {
  if (weights.length !== n) throw new Error(`Got ${weights.length} weights for ${n} posters`);
  return rankingAP(rankGenre(scores, targets, n, g, genre), weights);
}

/** One bootstrap resample as poster weights: n draws with replacement. */
export function drawWeights(rand: () => number, out: Int32Array): Int32Array {
  const n = out.length;
  out.fill(0);
  for (let i = 0; i < n; i++) out[Math.floor(rand() * n)]++;
  return out;
}

/** Quantile of sorted values, linear interpolation between order statistics (R's type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length;
  if (m === 0) return Number.NaN;
  const h = (m - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(m - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface Interval {
  value: number;
  low: number;
  high: number;
}

export interface MetricIntervals {
  n: number;
  resamples: number;
  level: number;
  seed: number;
  mAP: Interval;
  microF1: Interval;
  macroF1: Interval;
  samplesF1: Interval;
  tagsPerPoster: Interval;
}

export interface IntervalOptions {
  /** Bootstrap resamples, default 1000. */
  resamples?: number;
  /** Default 0. Same seed, same data → same intervals. */
  seed?: number;
  /** Coverage, default 0.95 (percentiles 2.5 and 97.5). */
  level?: number;
  /** Genres that are never tagged (e.g. not auto-tagged), whatever their threshold. */
  never?: ArrayLike<boolean>;
}

function interval(value: number, samples: Float64Array, level: number, upper = 1): Interval {
  const finite = samples.filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return { value, low: value, high: value };
  const a = (1 - level) / 2;
  // Resampling duplicates posters, which inflates AP (on predict/: bootstrap mean 0.04 above the point
  // estimate; on a few hundred posters nearly every resample lies above it). The percentile interval
  // shifted back by that bias keeps the estimate inside, where the basic interval (2·value − quantiles)
  // would put it at the upper edge. Clipped to the metric's range.
  const bias = finite.reduce((s, v) => s + v, 0) / finite.length - value;
  const lo = quantileSorted(finite, a) - bias;
  const hi = quantileSorted(finite, 1 - a) - bias;
  return { value, low: Math.max(0, Math.min(value, lo)), high: Math.min(upper, Math.max(value, hi)) };
}

/**
 * Basic-bootstrap intervals (over posters) for mAP, micro-, macro-, samples-F1 and tags per poster
 * at the given per-genre thresholds (a threshold above every score, e.g. > 1 or Infinity, or `never`,
 * means the genre is not tagged). Point estimates come from metrics.evaluate.
 */
// eslint-disable-next-line max-lines-per-function -- one resampling loop whose per-metric accumulators are shared
export function bootstrapIntervals(
  scores: Scores,
  targets: Targets,
  n: number,
  genres: readonly string[],
  thresholds: number | ArrayLike<number>,
  opts: IntervalOptions = {},
): MetricIntervals {
  const g = genres.length;
  const resamples = opts.resamples ?? 1000;
  const seed = opts.seed ?? 0;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new Error(`level must be between 0 and 1, got ${level}`);
  const t = thresholdList(thresholds, g);
  if (opts.never && opts.never.length !== g) throw new Error(`Got ${opts.never.length} never-flags for ${g} genres`);
  for (let j = 0; j < g; j++) {
    if (Number.isNaN(t[j])) throw new Error(`Threshold of ${genres[j]} is not a number`);
    if (opts.never?.[j]) t[j] = Number.POSITIVE_INFINITY;
  }
  const report = evaluate(scores, targets, n, genres, t); // also checks shapes

  // Per-genre poster lists (predicted / true / both) and per-poster samples-F1 and tag counts: these do
  // not depend on the weights, so a resample only sums weights over them.
  const predL: number[][] = [];
  const trueL: number[][] = [];
  const bothL: number[][] = [];
  for (let j = 0; j < g; j++) {
    predL.push([]);
    trueL.push([]);
    bothL.push([]);
  }
  const posterF1 = new Float64Array(n);
  const posterTags = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let both = 0;
    let nPred = 0;
    let nTrue = 0;
    for (let j = 0; j < g; j++) {
      const isTrue = targets[i * g + j] > 0.5;
      const isPred = scores[i * g + j] >= t[j];
      if (isTrue) {
        trueL[j].push(i);
        nTrue++;
      }
      if (isPred) {
        predL[j].push(i);
        nPred++;
      }
      if (isTrue && isPred) {
        bothL[j].push(i);
        both++;
      }
    }
    posterF1[i] = nPred + nTrue === 0 ? 1 : (2 * both) / (nPred + nTrue);
    posterTags[i] = nPred;
  }
  const pred = predL.map((l) => Uint32Array.from(l));
  const tru = trueL.map((l) => Uint32Array.from(l));
  const both = bothL.map((l) => Uint32Array.from(l));
  const rankings: GenreRanking[] = [];
  for (let j = 0; j < g; j++) if (tru[j].length > 0) rankings.push(rankGenre(scores, targets, n, g, j));

  const out = {
    mAP: new Float64Array(resamples),
    microF1: new Float64Array(resamples),
    macroF1: new Float64Array(resamples),
    samplesF1: new Float64Array(resamples),
    tagsPerPoster: new Float64Array(resamples),
  };
  const sum = (idx: Uint32Array, w: Int32Array): number => {
    let s = 0;
    for (let k = 0; k < idx.length; k++) s += w[idx[k]];
    return s;
  };
  if (n > 0) {
    const rand = seededRandom(seed);
    const w = new Int32Array(n);
    for (let r = 0; r < resamples; r++) {
      drawWeights(rand, w);
      let tpAll = 0;
      let predAll = 0;
      let trueAll = 0;
      let f1Sum = 0;
      let withPos = 0;
      for (let j = 0; j < g; j++) {
        const pw = sum(pred[j], w);
        const tw = sum(tru[j], w);
        const bw = sum(both[j], w);
        tpAll += bw;
        predAll += pw;
        trueAll += tw;
        if (tw > 0) {
          f1Sum += (2 * bw) / (tw + pw);
          withPos++;
        }
      }
      let apSum = 0;
      let apCount = 0;
      for (const rk of rankings) {
        const ap = rankingAP(rk, w);
        if (ap !== null) {
          apSum += ap;
          apCount++;
        }
      }
      let sf = 0;
      let tags = 0;
      for (let i = 0; i < n; i++) {
        if (w[i] === 0) continue;
        sf += w[i] * posterF1[i];
        tags += w[i] * posterTags[i];
      }
      out.microF1[r] = predAll + trueAll > 0 ? (2 * tpAll) / (predAll + trueAll) : 0;
      out.macroF1[r] = withPos > 0 ? f1Sum / withPos : 0;
      out.mAP[r] = apCount > 0 ? apSum / apCount : 0;
      out.samplesF1[r] = sf / n;
      out.tagsPerPoster[r] = tags / n;
    }
  } else {
    for (const a of Object.values(out)) a.fill(Number.NaN);
  }
  const tagsValue = n > 0 ? report.perGenre.reduce((s, m) => s + m.predicted, 0) / n : 0;
  return {
    n,
    resamples,
    level,
    seed,
    mAP: interval(report.mAP, out.mAP, level),
    microF1: interval(report.microF1, out.microF1, level),
    macroF1: interval(report.macroF1, out.macroF1, level),
    samplesF1: interval(report.samplesF1, out.samplesF1, level),
    tagsPerPoster: interval(tagsValue, out.tagsPerPoster, level, Number.POSITIVE_INFINITY),
  };
}

/** Warnings to show next to evaluation numbers that rest on too little data. */
export function reliabilityWarnings(
  n: number,
  positivesPerGenre: ArrayLike<number>,
  genres: readonly string[],
  opts: { minPosters?: number; minPositives?: number } = {},
): string[] {
  if (positivesPerGenre.length !== genres.length) throw new Error(`Got ${positivesPerGenre.length} counts for ${genres.length} genres`);
  const minPosters = opts.minPosters ?? 100;
  const minPositives = opts.minPositives ?? 10;
  const warnings: string[] = [];
  if (n < minPosters) {
    warnings.push(n === 1 ? 'These numbers rest on a single poster: they can be far off' : `These numbers rest on only ${n} posters: they can be far off`);
  }
  for (let j = 0; j < genres.length; j++) {
    const p = positivesPerGenre[j];
    if (p === 0) warnings.push(`No examples of ${genres[j]} among the evaluated posters: it has no numbers of its own`);
    else if (p < minPositives) warnings.push(`Few examples of ${genres[j]} (${p}): its numbers are unreliable`);
  }
  return warnings;
}
