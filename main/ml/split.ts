/**
 * A seeded, label-stratified hold-out for when the user has no validation split: each genre ends up
 * with about `fraction` of its posters in validation. Greedy iterative stratification (Sechidis et al.
 * 2011, simplified): genres are handled rarest first, so rare genres get their share before common
 * ones fill the split.
 */
import { seededRandom, shuffleInPlace } from './random';
import type { Targets } from './metrics';

export interface HoldoutSplit {
  train: number[];
  val: number[];
}

export function stratifiedHoldout(y: Targets, n: number, g: number, opts: { fraction?: number; seed?: number } = {}): HoldoutSplit {
  const fraction = opts.fraction ?? 0.15;
  if (!(fraction > 0 && fraction < 1)) throw new Error(`Hold-out fraction must be between 0 and 1, got ${fraction}`);
  if (n < 2) throw new Error(`Need at least 2 posters to hold some out for validation, got ${n}`);
  if (y.length !== n * g) throw new Error(`Expected ${n}×${g} targets, got ${y.length}`);

  const order = shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    seededRandom(opts.seed ?? 0),
  );
  const counts = new Array<number>(g).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) if (y[i * g + j] > 0.5) counts[j]++;

  const side = new Int8Array(n); // 0 unassigned, 1 train, 2 val
  const inVal = new Array<number>(g).fill(0);
  let valCount = 0;
  const toVal = (i: number) => {
    side[i] = 2;
    valCount++;
    for (let j = 0; j < g; j++) if (y[i * g + j] > 0.5) inVal[j]++;
  };

  const genresRarestFirst = counts
    .map((c, j) => ({ c, j }))
    .filter((e) => e.c > 0)
    .sort((a, b) => a.c - b.c || a.j - b.j);
  for (const { c, j } of genresRarestFirst) {
    const want = Math.round(c * fraction);
    for (const i of order) {
      if (side[i] !== 0 || !(y[i * g + j] > 0.5)) continue;
      if (inVal[j] < want) toVal(i);
      else side[i] = 1;
    }
  }
  // Posters without any genre: fill up to the overall size.
  const wantTotal = Math.max(1, Math.round(n * fraction));
  for (const i of order) {
    if (side[i] !== 0) continue;
    if (valCount < wantTotal) toVal(i);
    else side[i] = 1;
  }
  // Never leave a side empty (tiny data sets).
  if (valCount === 0) toVal(order[0]);
  if (valCount === n) side[order[0]] = 1;

  const train: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) (side[i] === 2 ? val : train).push(i);
  return { train, val };
}
