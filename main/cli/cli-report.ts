/** Plain-text tables for metrics: the summary next to the trivial baselines, and per genre. */
import type { EvalReport } from '../ml/metrics';
import type { Baselines } from '../ml/baselines';

/** Left-aligned first column, right-aligned numbers. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

export const num = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

export interface SummaryRow {
  name: string;
  report: EvalReport;
}

export function summaryTable(rows: SummaryRow[]): string {
  return table(
    ['', 'loss', 'mAP', 'micro-F1', 'macro-F1', 'samples-F1', 'exact match'],
    rows.map(({ name, report: r }) => [name, num(r.loss), num(r.mAP), num(r.microF1), num(r.macroF1), num(r.samplesF1), num(r.exactMatch)]),
  );
}

/** The model's rows followed by the trivial baselines'. */
export function withBaselines(rows: SummaryRow[], baselines: Baselines | null | undefined): SummaryRow[] {
  if (!baselines) return rows;
  return [
    ...rows,
    { name: `trivial: top-${baselines.topK.k} (${baselines.topK.genres.join(', ')})`, report: baselines.topK.report },
    { name: 'trivial: genre frequencies', report: baselines.prior.report },
  ];
}

export function perGenreTable(report: EvalReport): string {
  return table(
    ['genre', 'support', 'predicted', 'threshold', 'precision', 'recall', 'F1', 'AP'],
    report.perGenre.map((m) => [
      m.genre,
      String(m.support),
      String(m.predicted),
      num(m.threshold, 2),
      num(m.precision),
      num(m.recall),
      num(m.f1),
      num(m.averagePrecision),
    ]),
  );
}
