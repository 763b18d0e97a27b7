import path from 'node:path';
import type { ScanResult } from '../file-scan';
import { readCsvTable } from '../csv-table';
import { interpretLabelCsv } from '../label-csv';
import type { ReportBuilder } from '../import-report';
import type { LabelCsv, LayoutImage, Split } from '../types';
import { SPLITS } from '../types';
import { FileIndex, splitOfDirName, stemOf } from './file-index';

export interface TutorialSplitDir {
  dir: string;
  split: Split;
  /** Relative path of its label CSV, or null (a predict/ folder often has none). */
  csv: string | null;
}

/** The split folders at the top of the root and their `metadata.csv` (or root `predict_labels.csv`). */
export function findTutorialSplits(scan: ScanResult): TutorialSplitDir[] {
  const dirs = new Map<string, Split>();
  for (const rel of [...scan.files.map((f) => f.relPath), ...scan.csvFiles]) {
    const slash = rel.indexOf('/');
    if (slash < 0) continue;
    const top = rel.slice(0, slash);
    const split = splitOfDirName(top);
    if (split && !dirs.has(top)) dirs.set(top, split);
  }
  const out: TutorialSplitDir[] = [];
  for (const [dir, split] of dirs) {
    let csv = scan.csvFiles.find((c) => c.toLowerCase() === `${dir.toLowerCase()}/metadata.csv`) ?? null;
    if (!csv && split === 'predict') {
      csv = scan.csvFiles.find((c) => ['predict_labels.csv', 'predict_metadata.csv'].includes(c.toLowerCase())) ?? null;
    }
    out.push({ dir, split, csv });
  }
  return out.sort((a, b) => SPLITS.indexOf(a.split) - SPLITS.indexOf(b.split) || a.dir.localeCompare(b.dir));
}

/**
 * The Keras-tutorial layout: `train/`, `val/` (optionally `test/`, `predict/`), each with `<Id>.jpg` images and
 * a `metadata.csv` of `Id`, optional `Genre` list and one 0/1 column per genre.
 */
export function readTutorialLayout(root: string, scan: ScanResult, report: ReportBuilder) {
  const splits = findTutorialSplits(scan);
  const images: LayoutImage[] = [];
  const genres: string[] = [];
  const labelCsvs: LabelCsv[] = [];
  const claimed = new Set<string>();
  const firstSeen = new Map<string, string>(); // poster id → where it was first labelled

  for (const s of splits) {
    const prefix = `${s.dir}/`;
    const files = scan.files.filter((f) => f.relPath.startsWith(prefix));
    const index = new FileIndex(files);
    const used = new Set<string>();
    if (s.csv) {
      const table = readCsvTable(path.join(root, s.csv), s.csv, report);
      const content = table && interpretLabelCsv(table, s.csv, report);
      if (content) {
        labelCsvs.push({ relPath: s.csv, idColumn: content.idColumn, listColumn: content.listColumn, flagColumns: content.flagColumns, split: s.split });
        for (const g of content.genres) if (!genres.includes(g)) genres.push(g);
        const csvDir = path.posix.dirname(s.csv) === '.' ? '' : path.posix.dirname(s.csv);
        for (const row of content.rows) {
          const hit = index.match(row.id, csvDir).find((f) => !used.has(f.relPath));
          if (!hit) {
            report.add('missing-image', s.csv, `no image for id "${row.id}" in ${s.dir}/`, row.line);
            continue;
          }
          used.add(hit.relPath);
          const posterId = stemOf(row.id);
          const where = `${s.csv} line ${row.line}`;
          const earlier = firstSeen.get(posterId);
          if (earlier) report.add('duplicate-id', s.csv, `id "${posterId}" is also labelled in ${earlier}`, row.line);
          else firstSeen.set(posterId, where);
          images.push({ ...hit, posterId, split: s.split, genres: row.genres });
        }
      }
    }
    for (const f of files) {
      claimed.add(f.relPath);
      if (used.has(f.relPath)) continue;
      if (s.csv && f.format !== null) report.add('unlisted-image', f.relPath, `no row in ${s.csv}; imported unlabelled`);
      images.push({ ...f, posterId: stemOf(f.relPath), split: s.split, genres: null });
    }
  }
  for (const f of scan.files) {
    if (claimed.has(f.relPath)) continue;
    if (f.format !== null) report.add('unlisted-image', f.relPath, 'not inside a train/val/test/predict folder; imported unlabelled');
    images.push({ ...f, posterId: stemOf(f.relPath), split: null, genres: null });
  }
  return { images, genres, labelCsvs };
}
