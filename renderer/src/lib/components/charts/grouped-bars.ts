/**
 * Grouped bars for uPlot: categories at x = 0 … n−1, each with one bar per series side by side (uPlot's own
 * bar builder draws one series per x). The same geometry places the bars and tells which bar a click hit.
 */
import uPlot from 'uplot';

/** Share of a category's slot the group of bars takes (the rest is the gap between categories). */
const GROUP = 0.8;
/** Widest bar in CSS pixels: a few categories on a wide chart stay bars, not blocks. */
export const MAX_BAR = 36;

/** Left edge (from the category centre) and width of bar `k` of `count`, for a category slot `slot` wide. */
export function barSpan(slot: number, k: number, count: number, max = MAX_BAR): { left: number; width: number } {
  const width = Math.min((slot * GROUP) / count, max);
  return { left: -(width * count) / 2 + k * width, width };
}

/** Which bar of `count` a point `dx` from the category centre is on; null in the gap. */
export function barAt(slot: number, dx: number, count: number, max = MAX_BAR): number | null {
  const { left, width } = barSpan(slot, 0, count, max);
  const k = Math.floor((dx - left) / width);
  return k >= 0 && k < count ? k : null;
}

/**
 * A uPlot series path builder drawing series `seriesIdx` (1-based) as bar `seriesIdx − 1` of `count`. With the
 * x scale turned upright (ori 1: categories down the left), the bars run horizontally.
 */
export function groupedBars(count: number): uPlot.Series.PathBuilder {
  return (u, seriesIdx, idx0, idx1) => {
    const path = new Path2D();
    const upright = u.scales.x.ori === 1;
    const slot = Math.abs(u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true));
    const { left, width } = barSpan(slot, seriesIdx - 1, count, MAX_BAR * devicePixelRatio);
    const zero = u.valToPos(0, 'y', true);
    const values = u.data[seriesIdx];
    for (let i = idx0; i <= idx1; i++) {
      const v = values[i];
      if (v == null) continue;
      const end = u.valToPos(v, 'y', true);
      const along = Math.round(u.valToPos(u.data[0][i], 'x', true) + left);
      const thick = Math.max(1, Math.round(width) - 1);
      // A zero stays visible as a hairline, so "none" reads differently from "no data".
      const length = Math.max(1, Math.abs(zero - end));
      if (upright) path.rect(Math.min(zero, end), along, length, thick);
      else path.rect(along, Math.min(end, zero - 1), thick, length);
    }
    return { stroke: path, fill: path };
  };
}
