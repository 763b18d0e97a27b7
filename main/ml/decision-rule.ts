/**
 * The decision rule: which genres get tagged, at what thresholds. Fitted on OUT-OF-FOLD scores of the
 * training posters (each scored by a model that did not see it), because per-genre F1-optimal thresholds
 * on a small validation split tag far too much (a weak genre's F1 optimum is "tag nearly everything").
 *
 * Fitting, per mode (balanced: F1, precise: F0.5, broad: F2):
 * 1. Global threshold: maximises micro-Fβ over all N×G decisions.
 * 2. Own thresholds: coordinate ascent over the auto genres, starting at the global threshold; each step
 *    tries every cut of one genre and keeps the one maximising micro-Fβ + macro-Fβ (ties → higher
 *    threshold). Non-auto genres stay untagged during the ascent (as deployed); their reported threshold
 *    is the best single step for them as if they were enabled.
 * 3. Shrinkage in logit space toward that mode's global threshold: t = σ((p·logit(own) + k·logit(global))/(p + k)),
 *    p = positives. k = 25: below ~25 positives (where a fitted cut is mostly noise) the global threshold
 *    dominates; with hundreds a genre keeps its own (500 → 95% own, in logit space).
 * 4. Tag cap (balanced): if mean auto tags per poster exceed 1.25 × the labelled mean, every balanced
 *    threshold is raised by one common logit offset, found by bisection.
 * 5. precise = max(balanced, shrunk F0.5), broad = min(balanced, shrunk F2), so per poster the tag sets
 *    nest: precise ⊂ balanced ⊂ broad (without maxTags, which ranks within each set).
 *
 * Auto-tagging: a genre is tagged automatically only with >= minPositives positives and out-of-fold AP
 * clearly above chance: the 5th percentile of a seeded bootstrap (over posters, 200 resamples) of its AP
 * must exceed the AP of a random ranking, which is the prevalence plus a small-sample term
 * (E[AP] = (P-1)/(N-1)·(1 - H_N/N) + H_N/N). Resamples without positives count as AP 0.
 */
import { z } from 'zod';
import type { Scores, Targets } from './metrics';
import { deriveSeed, seededRandom } from './random';
import { drawWeights, quantileSorted, rankGenre, rankingAP, type GenreRanking } from './intervals';

export type Mode = 'precise' | 'balanced' | 'broad';
export const MODES: readonly Mode[] = ['precise', 'balanced', 'broad'];

export interface GenreDecision {
  genre: string;
  positives: number;
  prevalence: number;
  /** Out-of-fold AP; null without positives. */
  oofAP: number | null;
  /** 5th bootstrap percentile of the AP; null without positives. */
  apLow: number | null;
  /** AP of a random ranking (the bar apLow must clear); null without positives. */
  chanceAP: number | null;
  auto: boolean;
  /** Why the genre is not auto-tagged. */
  reason?: string;
  /** All in [0, 1]; a non-auto genre's thresholds only produce suggestions. */
  thresholds: { precise: number; balanced: number; broad: number };
}

export interface DecisionRuleSettings {
  k: number;
  minPositives: number;
  resamples: number;
  seed: number;
  passes: number;
  maxTagRatio: number;
}

export interface DecisionRule {
  version: 1;
  /** Posters the rule was fitted on. */
  n: number;
  /** Micro-F1-optimal single threshold (before the logit offset). */
  globalThreshold: number;
  /** Common logit offset added to the balanced thresholds by the tag cap (0 when not needed). */
  logitOffset: number;
  /** Mean number of labelled genres per poster. */
  labelledMeanTags: number;
  /** Mean auto tags per poster on the fitting (out-of-fold) scores. */
  expectedTagsPerPoster: Record<Mode, number>;
  settings: DecisionRuleSettings;
  genres: GenreDecision[];
}

export type DecisionRuleOptions = Partial<DecisionRuleSettings>;

const unit = z.number().min(0).max(1);
const count = z.number().int().min(0);

export const decisionRuleSchema = z.object({
  version: z.literal(1),
  n: count,
  globalThreshold: unit,
  logitOffset: z.number().min(0).max(1000),
  labelledMeanTags: z.number().min(0).max(1e6),
  expectedTagsPerPoster: z.object({ precise: z.number().min(0).max(1e6), balanced: z.number().min(0).max(1e6), broad: z.number().min(0).max(1e6) }),
  settings: z.object({
    k: z.number().min(0).max(1e9),
    minPositives: count,
    resamples: z.number().int().min(1),
    seed: z.number().int(),
    passes: z.number().int().min(0),
    maxTagRatio: z.number().min(1).max(1e6),
  }),
  genres: z.array(
    z.object({
      genre: z.string(),
      positives: count,
      prevalence: unit,
      oofAP: unit.nullable(),
      apLow: unit.nullable(),
      chanceAP: unit.nullable(),
      auto: z.boolean(),
      reason: z.string().optional(),
      thresholds: z
        .object({ precise: unit, balanced: unit, broad: unit })
        .refine((t) => t.precise >= t.balanced && t.balanced >= t.broad, 'Thresholds must satisfy precise >= balanced >= broad'),
    }),
  ),
});

// Keeps the schema and the interfaces in step.
const _schemaMatches: z.ZodType<DecisionRule> = decisionRuleSchema;
void _schemaMatches;

const DEFAULTS: DecisionRuleSettings = { k: 25, minPositives: 5, resamples: 200, seed: 0, passes: 4, maxTagRatio: 1.25 };
const BETA: Record<Mode, number> = { precise: 0.5, balanced: 1, broad: 2 };
const CLAMP = 1e-6;

const logit = (p: number): number => {
  const q = Math.min(1 - CLAMP, Math.max(CLAMP, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * The candidate cuts of one score column: cut c keeps the c highest distinct scores. A cut's threshold
 * sits halfway to the next lower score (as in thresholds.ts), so it does not hug one example.
 */
interface Cuts {
  thr: Float64Array;
  tp: Float64Array;
  pred: Float64Array;
}

/** Cut table from ascending positive and negative scores. */
function cutsOf(posAsc: Float64Array, negAsc: Float64Array): Cuts {
  const m = posAsc.length + negAsc.length;
  const values = new Float64Array(m);
  const tps = new Float64Array(m + 1);
  const preds = new Float64Array(m + 1);
  let a = posAsc.length - 1;
  let b = negAsc.length - 1;
  let tp = 0;
  let pred = 0;
  let d = 0;
  while (a >= 0 || b >= 0) {
    const s = Math.max(a >= 0 ? posAsc[a] : -Infinity, b >= 0 ? negAsc[b] : -Infinity);
    for (; a >= 0 && posAsc[a] === s; a--) {
      tp++;
      pred++;
    }
    for (; b >= 0 && negAsc[b] === s; b--) pred++;
    values[d++] = s;
    tps[d] = tp;
    preds[d] = pred;
  }
  const thr = new Float64Array(d + 1);
  thr[0] = d === 0 ? 1 : values[0] < 1 ? (values[0] + 1) / 2 : 1;
  for (let c = 1; c <= d; c++) thr[c] = c < d ? (values[c - 1] + values[c]) / 2 : values[d - 1];
  for (let c = 0; c <= d; c++) thr[c] = clamp01(thr[c]);
  return { thr, tp: tps.slice(0, d + 1), pred: preds.slice(0, d + 1) };
}

/** Fβ with P positives: (1+β²)tp / (β²P + predicted); 0 when both are 0. */
const fBeta = (tp: number, pred: number, positives: number, b2: number): number => {
  const den = b2 * positives + pred;
  return den > 0 ? ((1 + b2) * tp) / den : 0;
};

/** The cut a threshold makes: the number of distinct scores >= t. */
function cutFor(cuts: Cuts, t: number, sortedCol: Float64Array): number {
  const kept = countAtLeast(sortedCol, t);
  let c = 0;
  while (c < cuts.pred.length - 1 && cuts.pred[c] < kept) c++;
  return c;
}

/** Number of values >= t in an ascending array. */
function countAtLeast(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] >= t) hi = mid;
    else lo = mid + 1;
  }
  return sorted.length - lo;
}

interface Fitted {
  global: number;
  own: number[];
}

/** Global micro-Fβ threshold, then coordinate ascent of micro-Fβ + macro-Fβ over the auto genres. */
function fitMode(b2: number, all: Cuts, cuts: Cuts[], sortedCols: Float64Array[], positives: number[], auto: boolean[], passes: number): Fitted {
  const g = cuts.length;
  const trueAll = positives.reduce((s, p) => s + p, 0);
  let bestG = 0;
  let bestGv = -1;
  for (let c = 0; c < all.thr.length; c++) {
    const v = fBeta(all.tp[c], all.pred[c], trueAll, b2);
    if (v > bestGv + 1e-12) {
      bestGv = v;
      bestG = c;
    }
  }
  const global = trueAll > 0 ? all.thr[bestG] : 0.5;

  const withPos = positives.filter((p) => p > 0).length;
  const cut = new Int32Array(g);
  let tpAll = 0;
  let predAll = 0;
  let fSum = 0;
  for (let j = 0; j < g; j++) {
    cut[j] = auto[j] ? cutFor(cuts[j], global, sortedCols[j]) : 0;
    tpAll += cuts[j].tp[cut[j]];
    predAll += cuts[j].pred[cut[j]];
    fSum += fBeta(cuts[j].tp[cut[j]], cuts[j].pred[cut[j]], positives[j], b2);
  }
  // Best cut of genre j with every other genre fixed; scanning from the highest threshold and keeping
  // only strict improvements sends ties to the higher threshold.
  const bestCut = (j: number): number => {
    const cj = cuts[j];
    const tpR = tpAll - cj.tp[cut[j]];
    const predR = predAll - cj.pred[cut[j]];
    const fR = fSum - fBeta(cj.tp[cut[j]], cj.pred[cut[j]], positives[j], b2);
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < cj.thr.length; c++) {
      const micro = fBeta(tpR + cj.tp[c], predR + cj.pred[c], trueAll, b2);
      const macro = withPos > 0 ? (fR + fBeta(cj.tp[c], cj.pred[c], positives[j], b2)) / withPos : 0;
      if (micro + macro > bestV + 1e-12) {
        bestV = micro + macro;
        best = c;
      }
    }
    return best;
  };
  const move = (j: number, c: number) => {
    const cj = cuts[j];
    tpAll += cj.tp[c] - cj.tp[cut[j]];
    predAll += cj.pred[c] - cj.pred[cut[j]];
    fSum += fBeta(cj.tp[c], cj.pred[c], positives[j], b2) - fBeta(cj.tp[cut[j]], cj.pred[cut[j]], positives[j], b2);
    cut[j] = c;
  };
  for (let pass = 0; pass < passes; pass++) {
    let changed = false;
    for (let j = 0; j < g; j++) {
      if (!auto[j]) continue;
      const c = bestCut(j);
      if (c !== cut[j]) {
        move(j, c);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const own = cuts.map((cj, j) => {
    if (positives[j] === 0) return global;
    return cj.thr[auto[j] ? cut[j] : bestCut(j)];
  });
  return { global, own };
}

const shrink = (own: number, global: number, p: number, k: number): number =>
  p + k > 0 ? clamp01(sigmoid((p * logit(own) + k * logit(global)) / (p + k))) : global;

const offsetBy = (t: number, delta: number): number => (delta === 0 ? t : clamp01(sigmoid(logit(t) + delta)));

function meanTags(thresholds: readonly number[], auto: readonly boolean[], sortedCols: Float64Array[], n: number): number {
  let s = 0;
  for (let j = 0; j < thresholds.length; j++) if (auto[j]) s += countAtLeast(sortedCols[j], thresholds[j]);
  return n > 0 ? s / n : 0;
}

/** Fits the decision rule on out-of-fold scores (N×G row-major) and 0/1 targets. */
// eslint-disable-next-line max-lines-per-function -- the rule is one coordinate-ascent loop over shared per-genre state; its steps are named helpers already
export function fitDecisionRule(scores: Scores, targets: Targets, n: number, genres: readonly string[], opts: DecisionRuleOptions = {}): DecisionRule {
  const g = genres.length;
  if (!Number.isInteger(n) || n <= 0 || g === 0) throw new Error(`Cannot fit a decision rule on ${n}×${g} scores`);
  if (scores.length !== n * g || targets.length !== n * g) throw new Error(`Expected ${n}×${g} scores and targets`);
  const settings: DecisionRuleSettings = { ...DEFAULTS, ...opts };
  const { k, minPositives, resamples, seed, passes, maxTagRatio } = settings;
  const parsed = decisionRuleSchema.shape.settings.safeParse(settings);
  if (!parsed.success) throw new Error(`Invalid decision-rule options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (let i = 0; i < n * g; i++) {
    if (!Number.isFinite(scores[i])) throw new Error(`Score ${i} is not a finite number`);
  }

  // Per genre: positives, sorted columns, cut tables; plus the pooled cut table for the global threshold.
  const positives: number[] = [];
  const sortedCols: Float64Array[] = [];
  const cuts: Cuts[] = [];
  let totalPos = 0;
  for (let i = 0; i < n * g; i++) if (targets[i] > 0.5) totalPos++;
  const poolPos = new Float64Array(totalPos);
  const poolNeg = new Float64Array(n * g - totalPos);
  let a = 0;
  let b = 0;
  // One sort per genre (rankGenre, reused by the bootstrap); everything else reads its order backwards.
  const rankings: GenreRanking[] = [];
  for (let j = 0; j < g; j++) {
    const rk = rankGenre(scores, targets, n, g, j);
    rankings.push(rk);
    const p = rk.positives;
    const asc = new Float64Array(n);
    const pos = new Float64Array(p);
    const neg = new Float64Array(n - p);
    for (let q = n - 1, x = 0, y = 0, u = 0; q >= 0; q--) {
      const c = rk.codes[q];
      const v = scores[(c >>> 2) * g + j];
      asc[u++] = v;
      if (c & 1) pos[x++] = poolPos[a++] = v;
      else neg[y++] = poolNeg[b++] = v;
    }
    positives.push(p);
    sortedCols.push(asc);
    cuts.push(cutsOf(pos, neg));
  }
  const all = cutsOf(poolPos.sort(), poolNeg.sort());

  // Auto or not: bootstrap of each genre's out-of-fold AP, one set of resamples shared by all genres.
  const ones = new Int32Array(n).fill(1);
  const oofAP = rankings.map((r) => rankingAP(r, ones));
  const samples = rankings.map((r) => (r.positives > 0 ? new Float64Array(resamples) : null));
  const rand = seededRandom(deriveSeed(seed, 1));
  const w = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    drawWeights(rand, w);
    for (let j = 0; j < g; j++) {
      const sj = samples[j];
      if (sj) sj[r] = rankingAP(rankings[j], w) ?? 0;
    }
  }
  const harmonic = (() => {
    let h = 0;
    for (let i = 1; i <= n; i++) h += 1 / i;
    return h;
  })();
  const decisions = genres.map((genre, j) => {
    const p = positives[j];
    const s = samples[j];
    const apLow = s ? clamp01(quantileSorted(s.sort(), 0.05)) : null;
    const chanceAP = p === 0 ? null : n === 1 ? 1 : ((p - 1) / (n - 1)) * (1 - harmonic / n) + harmonic / n;
    let reason: string | undefined;
    if (p === 0) reason = 'no positive examples';
    else if (p < minPositives) reason = `too few positive examples (${p} < ${minPositives})`;
    else if (!((apLow as number) > (chanceAP as number)))
      reason = `scores not clearly better than chance (AP 5th percentile ${(apLow as number).toFixed(3)} <= chance ${(chanceAP as number).toFixed(3)})`;
    return { genre, p, apLow, chanceAP, reason, auto: reason === undefined };
  });
  const auto = decisions.map((d) => d.auto);

  // Thresholds per mode, shrunk toward that mode's global threshold.
  const shrunk = {} as Record<Mode, number[]>;
  let globalThreshold = 0.5;
  for (const mode of MODES) {
    const fit = fitMode(BETA[mode] ** 2, all, cuts, sortedCols, positives, auto, passes);
    if (mode === 'balanced') globalThreshold = fit.global;
    shrunk[mode] = fit.own.map((t, j) => shrink(t, fit.global, positives[j], k));
  }

  // Tag cap on the balanced thresholds: mean tags is non-increasing in the offset, so bisect.
  const labelledMeanTags = positives.reduce((s, p) => s + p, 0) / n;
  const cap = maxTagRatio * labelledMeanTags;
  const tagsAt = (delta: number) =>
    meanTags(
      shrunk.balanced.map((t) => offsetBy(t, delta)),
      auto,
      sortedCols,
      n,
    );
  let logitOffset = 0;
  if (tagsAt(0) > cap) {
    let lo = 0;
    let hi = 1;
    while (tagsAt(hi) > cap && hi < 64) hi *= 2;
    for (let it = 0; it < 50; it++) {
      const mid = (lo + hi) / 2;
      if (tagsAt(mid) > cap) lo = mid;
      else hi = mid;
    }
    logitOffset = hi;
  }
  const balanced = shrunk.balanced.map((t) => offsetBy(t, logitOffset));
  const precise = balanced.map((t, j) => Math.max(t, shrunk.precise[j]));
  const broad = balanced.map((t, j) => Math.min(t, shrunk.broad[j]));

  const out: GenreDecision[] = decisions.map((d, j) => {
    const gd: GenreDecision = {
      genre: d.genre,
      positives: d.p,
      prevalence: d.p / n,
      oofAP: oofAP[j] === null ? null : clamp01(oofAP[j] as number),
      apLow: d.apLow,
      chanceAP: d.chanceAP,
      auto: d.auto,
      thresholds: { precise: precise[j], balanced: balanced[j], broad: broad[j] },
    };
    if (d.reason !== undefined) gd.reason = d.reason;
    return gd;
  });
  return {
    version: 1,
    n,
    globalThreshold,
    logitOffset,
    labelledMeanTags,
    expectedTagsPerPoster: {
      precise: meanTags(precise, auto, sortedCols, n),
      balanced: meanTags(balanced, auto, sortedCols, n),
      broad: meanTags(broad, auto, sortedCols, n),
    },
    settings,
    genres: out,
  };
}

/** User-saved per-genre thresholds (null = use the rule's); checked against the rule's genres. */
export type ThresholdOverrides = readonly (number | null | undefined)[];

/**
 * Raw per-genre thresholds of a mode, auto or not. An override replaces the balanced threshold and
 * bounds the others so the modes stay nested: precise = max(override, precise), broad = min(override, broad).
 * Overrides move thresholds only; they do not make a non-auto genre auto-tagged.
 */
function rawThresholds(rule: DecisionRule, mode: Mode, overrides?: ThresholdOverrides): number[] {
  if (!MODES.includes(mode)) throw new Error(`Unknown mode ${String(mode)}`);
  if (overrides && overrides.length !== rule.genres.length) throw new Error(`Got ${overrides.length} overrides for ${rule.genres.length} genres`);
  return rule.genres.map((gd, j) => {
    const o = overrides?.[j];
    if (o === null || o === undefined) return gd.thresholds[mode];
    if (!Number.isFinite(o) || o < 0 || o > 1) throw new Error(`Threshold override for ${gd.genre} must be between 0 and 1, got ${o}`);
    if (mode === 'precise') return Math.max(o, gd.thresholds.precise);
    if (mode === 'broad') return Math.min(o, gd.thresholds.broad);
    return o;
  });
}

/** Per-genre thresholds for evaluate(): non-auto genres get Infinity (never tagged). Not for JSON. */
export function thresholdsForMode(rule: DecisionRule, mode: Mode = 'balanced', overrides?: ThresholdOverrides): number[] {
  const raw = rawThresholds(rule, mode, overrides);
  return raw.map((t, j) => (rule.genres[j].auto ? t : Number.POSITIVE_INFINITY));
}

export interface ApplyOptions {
  mode?: Mode;
  /** Keep at most this many auto tags per poster, the most confident ones. */
  maxTags?: number;
  overrides?: ThresholdOverrides;
}

export interface AppliedTags {
  /** Auto tags per poster, by descending score. */
  tags: string[][];
  /** Non-auto genres that passed their threshold, by descending score (not limited by maxTags). */
  suggestions: string[][];
}

/** Tags N posters (N×G row-major scores, genres in the rule's order). */
export function applyDecisionRule(scores: Scores, n: number, rule: DecisionRule, opts: ApplyOptions = {}): AppliedTags {
  const g = rule.genres.length;
  if (scores.length !== n * g) throw new Error(`Scores hold ${scores.length} values, expected ${n}×${g} = ${n * g}`);
  const maxTags = opts.maxTags;
  if (maxTags !== undefined && (!Number.isInteger(maxTags) || maxTags < 1)) throw new Error(`maxTags must be a positive integer, got ${maxTags}`);
  const t = rawThresholds(rule, opts.mode ?? 'balanced', opts.overrides);
  const tags: string[][] = [];
  const suggestions: string[][] = [];
  for (let i = 0; i < n; i++) {
    const on: number[] = [];
    const sugg: number[] = [];
    for (let j = 0; j < g; j++) {
      if (scores[i * g + j] >= t[j]) (rule.genres[j].auto ? on : sugg).push(j);
    }
    const byScore = (a: number, b: number) => scores[i * g + b] - scores[i * g + a] || a - b;
    on.sort(byScore);
    sugg.sort(byScore);
    tags.push((maxTags === undefined ? on : on.slice(0, maxTags)).map((j) => rule.genres[j].genre));
    suggestions.push(sugg.map((j) => rule.genres[j].genre));
  }
  return { tags, suggestions };
}
