import type { CsvTable } from './csv-table';
import { parseGenreList } from './genre-list';
import type { ReportBuilder } from './import-report';

/** Column names (lower case) that can hold a poster's id or file name, most specific first. */
export const ID_COLUMNS = ['id', 'imdb_id', 'imdbid', 'poster_id', 'image_id', 'filename', 'file_name', 'file', 'image', 'img', 'path', 'filepath', 'poster'];
/** Column names (lower case) that can hold a genre list. */
export const LIST_COLUMNS = ['genre', 'genres', 'labels', 'label', 'tags', 'categories', 'category'];
/** Columns that are never genre flags even if their cells happen to look like 0/1. */
const NOT_FLAGS = new Set(['title', 'name', 'year', 'url', 'link', 'plot', 'rating', 'score', 'votes', 'split', 'set', 'fold', 'width', 'height', 'size']);

const TRUE_VALUES = new Set(['1', '1.0', 'true', 'yes']);
const FALSE_VALUES = new Set(['0', '0.0', 'false', 'no']);

export interface LabelRow {
  line: number;
  /** The id cell as written (an id, a file name or a relative path). */
  id: string;
  genres: string[];
}

export interface LabelCsvContent {
  idColumn: string;
  listColumn: string | null;
  /** genre name → its 0/1 column, in column order. */
  flagColumns: Record<string, string>;
  /** The vocabulary this file defines: its flag columns, or the names its lists use when it has none. */
  genres: string[];
  rows: LabelRow[];
}

export function findColumn(header: readonly string[], names: readonly string[]): string | null {
  for (const n of names) {
    const hit = header.find((h) => h.toLowerCase() === n);
    if (hit !== undefined) return hit;
  }
  return null;
}

/** Does this header look like a label file (an id column plus a genre list or flag columns)? */
export function looksLikeLabelHeader(header: readonly string[]): boolean {
  return findColumn(header, ID_COLUMNS) !== null && findColumn(header, LIST_COLUMNS) !== null;
}

/**
 * Turns a parsed CSV into labelled rows. 0/1 columns win over the genre list when both exist (they are what a
 * model trains on); every disagreement, unknown name, odd cell or repeated id is reported with its line.
 */
export function interpretLabelCsv(table: CsvTable, relPath: string, report: ReportBuilder): LabelCsvContent | null {
  const { header, rows } = table;
  const idColumn = findColumn(header, ID_COLUMNS);
  if (!idColumn) {
    report.add('csv-unreadable', relPath, `no id column (expected one of: ${ID_COLUMNS.join(', ')})`, 1);
    return null;
  }
  const listColumn = findColumn(header, LIST_COLUMNS);
  const idIdx = header.indexOf(idColumn);
  const listIdx = listColumn === null ? -1 : header.indexOf(listColumn);

  const flagIdx = flagColumnsOf(table, [idIdx, listIdx], relPath, report);
  const flagColumns: Record<string, string> = {};
  for (const i of flagIdx) flagColumns[header[i]] = header[i];
  const byLower = new Map(flagIdx.map((i) => [header[i].toLowerCase(), header[i]]));

  const seen = new Map<string, number>();
  const listNames: string[] = [];
  const listCanon = new Map<string, string>();
  const out: LabelRow[] = [];
  for (const row of rows) {
    const id = row.cells[idIdx].trim();
    if (id === '') {
      report.add('missing-id', relPath, `row has an empty "${idColumn}" cell`, row.line);
      continue;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      report.add('duplicate-id', relPath, `id "${id}" already on line ${first}; this row is ignored`, row.line);
      continue;
    }
    seen.set(id, row.line);

    const fromFlags: string[] = [];
    for (const i of flagIdx) {
      const v = row.cells[i].trim().toLowerCase();
      if (TRUE_VALUES.has(v)) fromFlags.push(header[i]);
      else if (!FALSE_VALUES.has(v)) {
        report.add('bad-label-value', relPath, `"${header[i]}" is "${row.cells[i]}" for "${id}" (expected 0 or 1; read as 0)`, row.line);
      }
    }
    let genres = fromFlags;
    if (listIdx >= 0) {
      const listed = parseGenreList(row.cells[listIdx]);
      if (flagIdx.length === 0) {
        // No flag columns: the lists define the vocabulary; names differing only in case are one genre.
        genres = [];
        for (const g of listed) {
          let canon = listCanon.get(g.toLowerCase());
          if (!canon) {
            canon = g;
            listCanon.set(g.toLowerCase(), g);
            listNames.push(g);
          }
          if (!genres.includes(canon)) genres.push(canon);
        }
      } else if (row.cells[listIdx].trim() !== '') {
        const known: string[] = [];
        for (const g of listed) {
          const col = byLower.get(g.toLowerCase());
          if (!col) report.add('unknown-genre', relPath, `"${g}" (listed for "${id}") has no column; ignored`, row.line);
          else known.push(col);
        }
        const missing = fromFlags.filter((g) => !known.includes(g));
        const extra = known.filter((g) => !fromFlags.includes(g));
        if (missing.length || extra.length) {
          const parts = [...extra.map((g) => `${g} listed but its column is 0`), ...missing.map((g) => `${g} column is 1 but not listed`)];
          report.add('genre-mismatch', relPath, `"${id}": ${parts.join('; ')} (columns win)`, row.line);
        }
      }
    }
    out.push({ line: row.line, id, genres });
  }
  const genres = flagIdx.length > 0 ? flagIdx.map((i) => header[i]) : listNames.sort((a, b) => a.localeCompare(b));
  return { idColumn, listColumn, flagColumns, genres, rows: out };
}

/** A column is a genre flag column when most of its non-empty cells are 0/1; others are reported as ignored. */
function flagColumnsOf({ header, rows }: CsvTable, skip: readonly number[], relPath: string, report: ReportBuilder): number[] {
  const flagIdx: number[] = [];
  header.forEach((name, i) => {
    if (skip.includes(i) || name === '') return;
    if (NOT_FLAGS.has(name.toLowerCase())) {
      report.add('ignored-column', relPath, `column "${name}" is not a genre column`, 1);
      return;
    }
    let filled = 0;
    let binary = 0;
    for (const r of rows) {
      const v = r.cells[i].trim().toLowerCase();
      if (v === '') continue;
      filled++;
      if (TRUE_VALUES.has(v) || FALSE_VALUES.has(v)) binary++;
    }
    if (filled === 0 || binary * 2 >= filled) flagIdx.push(i);
    else report.add('ignored-column', relPath, `column "${name}" does not hold 0/1 values; not used as a genre`, 1);
  });
  return flagIdx;
}
