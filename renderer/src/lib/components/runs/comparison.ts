/** Shared by the run comparison: a change of a rate in percentage points, and genres by how much they changed. */

/** 0.0142 → "+1.4 pts", -0.003 → "−0.3 pts", ~0 → "±0.0 pts". */
export function formatPoints(delta: number | null): string {
  if (delta === null || !Number.isFinite(delta)) return '–';
  const pts = delta * 100;
  if (Math.abs(pts) < 0.05) return '±0.0 pts';
  return `${pts > 0 ? '+' : '−'}${Math.abs(pts).toFixed(1)} pts`;
}

/** Biggest change first (either way); genres without positives last, in their order. */
export function genresByChange<T extends { genre: string; delta: number | null }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (b.delta === null ? -1 : 0) - (a.delta === null ? -1 : 0) || Math.abs(b.delta ?? 0) - Math.abs(a.delta ?? 0));
}
