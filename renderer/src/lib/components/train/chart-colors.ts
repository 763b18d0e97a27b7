/**
 * uPlot draws on a canvas, which cannot use CSS variables: colours are read from the theme's tokens
 * (renderer/src/app.css) when a chart is built, and charts are rebuilt when the theme changes.
 */
export function cssColor(value: string): string {
  if (!value.startsWith('--') || typeof document === 'undefined') return value;
  return getComputedStyle(document.documentElement).getPropertyValue(value).trim() || '#888';
}

export interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  marker: string;
}

export function chartTheme(): ChartTheme {
  return { text: cssColor('--text'), muted: cssColor('--muted'), grid: cssColor('--chart-grid'), marker: cssColor('--good') };
}
