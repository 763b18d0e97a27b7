/**
 * Train/val sides for posters whose library has no split of its own, stable as posters are added: a side,
 * once chosen, is stored by content hash (table holdout_splits) and never changed, so a poster never moves
 * from val to train between runs and two runs can be compared on the same held-out posters. New posters
 * are dealt greedily by their rarest genre (iterative stratification, Sechidis et al. 2011): a poster goes
 * to val while its rarest genre has fewer than `fraction` of its posters there. The order among new
 * posters is their content hash (a sha256: already random, and the same on every machine), so the same
 * library gives the same split everywhere.
 */
import type { Db } from '../db/database';

export type Side = 'train' | 'val';

export interface SplitCandidate {
  hash: string;
  /** The poster's genres (lower-case or not: compared as given). */
  genres: readonly string[];
}

export interface StableSplitOptions {
  /** Share of each genre's posters held out for validation. */
  fraction?: number;
  /** Compute sides for new posters without storing them (evaluations that must not fix a split). */
  dryRun?: boolean;
}

export const DEFAULT_VAL_FRACTION = 0.15;

/** The stored side of each poster; new posters get one (stored unless dryRun). Keyed by hash. */
export function stableSplits(db: Db, posters: readonly SplitCandidate[], opts: StableSplitOptions = {}): Map<string, Side> {
  const fraction = opts.fraction ?? DEFAULT_VAL_FRACTION;
  const get = db.prepare('SELECT split FROM holdout_splits WHERE hash = ?').pluck();
  const sides = new Map<string, Side>();
  const fresh: SplitCandidate[] = [];
  const unique = new Map<string, SplitCandidate>();
  for (const p of posters) {
    if (unique.has(p.hash)) continue;
    unique.set(p.hash, p);
    const stored = get.get(p.hash) as Side | undefined;
    if (stored) sides.set(p.hash, stored);
    else fresh.push(p);
  }
  if (fresh.length === 0) return sides;

  // Per genre: how many posters of this set have it, and how many of those are already in val.
  const total = new Map<string, number>();
  const inVal = new Map<string, number>();
  for (const p of unique.values()) for (const g of p.genres) total.set(g, (total.get(g) ?? 0) + 1);
  for (const p of unique.values()) if (sides.get(p.hash) === 'val') for (const g of p.genres) inVal.set(g, (inVal.get(g) ?? 0) + 1);
  let valCount = [...sides.values()].filter((s) => s === 'val').length;
  const wantTotal = Math.round(unique.size * fraction);

  const rarest = (p: SplitCandidate) => p.genres.reduce((best, g) => ((total.get(g) ?? 0) < (total.get(best) ?? Infinity) ? g : best), p.genres[0]);
  const order = fresh
    .map((p) => ({ p, key: p.genres.length ? (total.get(rarest(p)) ?? 0) : Infinity }))
    .sort((a, b) => a.key - b.key || (a.p.hash < b.p.hash ? -1 : a.p.hash > b.p.hash ? 1 : 0));
  const assigned: [string, Side][] = [];
  for (const { p } of order) {
    let side: Side;
    if (p.genres.length) {
      const g = rarest(p);
      side = (inVal.get(g) ?? 0) < Math.round((total.get(g) ?? 0) * fraction) ? 'val' : 'train';
    } else side = valCount < wantTotal ? 'val' : 'train';
    if (side === 'val') {
      valCount++;
      for (const g of p.genres) inVal.set(g, (inVal.get(g) ?? 0) + 1);
    }
    sides.set(p.hash, side);
    assigned.push([p.hash, side]);
  }
  if (!opts.dryRun) {
    const put = db.prepare('INSERT OR IGNORE INTO holdout_splits (hash, split) VALUES (?, ?)');
    db.transaction(() => assigned.forEach(([h, s]) => put.run(h, s)))();
  }
  return sides;
}
