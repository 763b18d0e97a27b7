/**
 * Which genres are confused, on the held-out (out-of-fold or validation) posters: a true genre × predicted
 * genre table. Multi-label, so a poster counts in every cell of its true × predicted genres:
 * - (t, t): posters of genre t tagged t (hits);
 * - (t, p ≠ t): posters of genre t, not of genre p, tagged p (p was predicted instead of, or besides, t);
 * - (t, none): posters of genre t not tagged t (missed).
 * Each cell keeps its posters, so a click can show them.
 */
export interface ConfusionItem {
  truth: readonly string[];
  predicted: readonly string[];
}

export interface Confusion {
  genres: string[];
  /** cells[t][p] for p < genres.length, and cells[t][genres.length] = missed: the item indices. */
  cells: number[][][];
  /** Posters of each true genre (the row totals a rate is taken of). */
  support: number[];
}

export function confusion<I extends ConfusionItem>(items: readonly I[], genres: readonly string[]): Confusion {
  const g = genres.length;
  const index = new Map(genres.map((name, j) => [name, j]));
  const cells = Array.from({ length: g }, () => Array.from({ length: g + 1 }, () => [] as number[]));
  const support = new Array<number>(g).fill(0);
  items.forEach((it, i) => {
    const truth = new Set(it.truth.map((t) => index.get(t)).filter((j): j is number => j !== undefined));
    const predicted = new Set(it.predicted.map((p) => index.get(p)).filter((j): j is number => j !== undefined));
    for (const t of truth) {
      support[t]++;
      if (!predicted.has(t)) cells[t][g].push(i);
      for (const p of predicted) if (p === t || !truth.has(p)) cells[t][p].push(i);
    }
  });
  return { genres: [...genres], cells, support };
}

/** The most confused pairs (off the diagonal, by rate of the true genre's posters), for a short list. */
export function topConfusions(c: Confusion, limit = 5): { truth: string; predicted: string; count: number; rate: number }[] {
  const out: { truth: string; predicted: string; count: number; rate: number }[] = [];
  c.genres.forEach((t, i) =>
    c.genres.forEach((p, j) => {
      const count = c.cells[i][j].length;
      if (i !== j && count > 0) out.push({ truth: t, predicted: p, count, rate: count / c.support[i] });
    }),
  );
  return out.sort((a, b) => b.rate - a.rate || b.count - a.count).slice(0, limit);
}
