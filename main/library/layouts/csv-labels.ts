import path from 'node:path';
import type { ScanResult } from '../file-scan';
import { readCsvTable } from '../csv-table';
import { interpretLabelCsv, looksLikeLabelHeader } from '../label-csv';
import type { ReportBuilder } from '../import-report';
import type { LabelCsv, LayoutImage } from '../types';
import { FileIndex, splitOfPath, stemOf } from './file-index';

/**
 * Images anywhere under the root, labelled by CSV files (anywhere too) with an id/file column and a genre-list
 * column (`Action|Crime`, `['Action', 'Crime']` or `Action, Crime`). Several label CSVs are merged.
 */
export function readCsvLayout(root: string, scan: ScanResult, report: ReportBuilder, labelFiles: readonly string[]) {
  const index = new FileIndex(scan.files);
  const labelled = new Map<string, { posterId: string; genres: string[]; where: string }>();
  const genres: string[] = [];
  const labelCsvs: LabelCsv[] = [];

  for (const rel of labelFiles) {
    const table = readCsvTable(path.join(root, rel), rel, report);
    if (!table || !looksLikeLabelHeader(table.header)) continue;
    const content = interpretLabelCsv(table, rel, report);
    if (!content) continue;
    labelCsvs.push({ relPath: rel, idColumn: content.idColumn, listColumn: content.listColumn, flagColumns: content.flagColumns, split: null });
    for (const g of content.genres) if (!genres.some((x) => x.toLowerCase() === g.toLowerCase())) genres.push(g);
    const dir = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
    for (const row of content.rows) {
      const hits = index.match(row.id, dir);
      if (hits.length === 0) {
        report.add('missing-image', rel, `no image for "${row.id}"`, row.line);
        continue;
      }
      const hit = hits.find((f) => !labelled.has(f.relPath));
      if (!hit) {
        report.add('duplicate-id', rel, `"${row.id}" was already labelled (${labelled.get(hits[0].relPath)!.where}); ignored`, row.line);
        continue;
      }
      labelled.set(hit.relPath, { posterId: stemOf(row.id), genres: row.genres, where: `${rel} line ${row.line}` });
    }
  }
  // Several files may name the same genre in different case: one vocabulary entry.
  const canon = new Map(genres.map((g) => [g.toLowerCase(), g]));
  const images: LayoutImage[] = scan.files.map((f) => {
    const l = labelled.get(f.relPath);
    if (!l && f.format !== null) report.add('unlisted-image', f.relPath, 'no row in any label CSV; imported unlabelled');
    return {
      ...f,
      posterId: l?.posterId ?? stemOf(f.relPath),
      split: splitOfPath(f.relPath),
      genres: l ? [...new Set(l.genres.map((g) => canon.get(g.toLowerCase()) ?? g))] : null,
    };
  });
  return { images, genres: genres.sort((a, b) => a.localeCompare(b)), labelCsvs };
}
