/**
 * A folder of posters with a labels CSV, read without adding it to the library: what `eval` and the
 * quality benchmark evaluate on. The CSV is read like the importer reads it (any id column, genre list
 * and/or 0/1 columns); rows are matched to images by id, file name or relative path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { scanLibraryFiles } from '../library/file-scan';
import { readCsvTable } from '../library/csv-table';
import { interpretLabelCsv } from '../library/label-csv';
import { ReportBuilder } from '../library/import-report';
import { FileIndex, stemOf } from '../library/layouts/file-index';
import { InvalidError } from '../core/errors';

export interface LabelledFile {
  path: string;
  posterId: string;
  genres: string[];
}

export interface LabelledFolder {
  folder: string;
  labelsFile: string;
  /** The CSV's genre vocabulary, in its column order. */
  genres: string[];
  /**
   * The CSV has one 0/1 column per genre, so a genre without a column is unknown to it. Without such
   * columns (genre lists only) a genre no row lists is simply absent from every poster.
   */
  genreColumns: boolean;
  /** Labelled, readable-looking images, in CSV order. */
  items: LabelledFile[];
  /** CSV rows whose image is not in the folder. */
  missing: number;
  /** Images in the folder without a CSV row (not evaluated). */
  unlabelled: number;
  /** Labelled files that are not images (broken, empty, wrong format): left out. */
  broken: { path: string; reason: string }[];
  /** Problems found in the CSV (bad cells, repeated ids…), one line each. */
  warnings: string[];
}

/** The labels file a split folder carries: `metadata.csv` (the tutorial layout), if present. */
export function defaultLabelsFile(folder: string): string | undefined {
  const file = path.join(folder, 'metadata.csv');
  return fs.existsSync(file) ? file : undefined;
}

export async function readLabelledFolder(folder: string, opts: { labels?: string; signal?: AbortSignal } = {}): Promise<LabelledFolder> {
  const root = path.resolve(folder);
  const st = fs.statSync(root, { throwIfNoEntry: false });
  if (!st) throw new InvalidError(`Folder not found: ${root}`);
  if (!st.isDirectory()) throw new InvalidError(`Not a folder: ${root}`);
  const labelsFile = opts.labels ? path.resolve(opts.labels) : defaultLabelsFile(root);
  if (!labelsFile) throw new InvalidError(`${root} has no metadata.csv: give the labels CSV of these posters.`);
  if (!fs.statSync(labelsFile, { throwIfNoEntry: false })?.isFile()) throw new InvalidError(`Labels file not found: ${labelsFile}`);

  const scan = await scanLibraryFiles(root, { signal: opts.signal });
  const report = new ReportBuilder();
  const relCsv = path.relative(root, labelsFile).split(path.sep).join('/');
  const inside = !relCsv.startsWith('..') && !path.isAbsolute(relCsv);
  const table = readCsvTable(labelsFile, inside ? relCsv : path.basename(labelsFile), report);
  const content = table && interpretLabelCsv(table, path.basename(labelsFile), report);
  if (!content) {
    const why = report.issues[0]?.message ?? 'no usable rows';
    throw new InvalidError(`Cannot read the labels in ${labelsFile}: ${why}`);
  }
  if (content.genres.length === 0) throw new InvalidError(`${labelsFile} names no genres.`);

  const index = new FileIndex(scan.files);
  const csvDir = inside ? path.posix.dirname(relCsv).replace(/^\.$/, '') : '';
  const used = new Set<string>();
  const items: LabelledFile[] = [];
  const broken: LabelledFolder['broken'] = [];
  let missing = 0;
  for (const row of content.rows) {
    const hit = index.match(row.id, csvDir).find((f) => !used.has(f.relPath));
    if (!hit) {
      missing++;
      continue;
    }
    used.add(hit.relPath);
    const abs = path.join(root, hit.relPath);
    if (hit.format === null) broken.push({ path: abs, reason: hit.problem ?? 'not an image' });
    else items.push({ path: abs, posterId: stemOf(row.id), genres: row.genres });
  }
  const unlabelled = scan.files.filter((f) => !used.has(f.relPath)).length;
  const warnings = report.issues.map((i) => `${i.file}${i.line ? ` line ${i.line}` : ''}: ${i.message}`);
  return {
    folder: root,
    labelsFile,
    genres: content.genres,
    genreColumns: Object.keys(content.flagColumns).length > 0,
    items,
    missing,
    unlabelled,
    broken,
    warnings,
  };
}
