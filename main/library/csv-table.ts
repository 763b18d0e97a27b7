import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { ReportBuilder } from './import-report';
import { atLine, describeCellCount, describeCsvError } from './csv-errors';

export interface CsvRow {
  /** 1-based line where the record ends (the line a user sees it on, for one-line records). */
  line: number;
  cells: string[];
}

export interface CsvTable {
  header: string[];
  rows: CsvRow[];
}

/**
 * Reads a CSV with csv-parse (BOM, CRLF, quoting). A record csv-parse rejects, or one with the wrong number
 * of cells, is reported as a malformed row and skipped; the rest loads. An unreadable file gives null.
 */
export function readCsvTable(absPath: string, relPath: string, report: ReportBuilder): CsvTable | null {
  let text: string;
  try {
    text = fs.readFileSync(absPath, 'utf8');
  } catch (err) {
    report.add('csv-unreadable', relPath, `cannot read CSV: ${(err as Error).message}`);
    return null;
  }
  return parseCsvTable(text, relPath, report);
}

const MAX_RESTARTS = 10_000;

/**
 * csv-parse stops at the first broken record (and its own skip mode can stay inside a stray quote for the rest
 * of the file), so on an error we report the record's first line and parse again from the line after it.
 */
export function parseCsvTable(text: string, relPath: string, report: ReportBuilder): CsvTable | null {
  const lineStarts = [0];
  for (const m of text.matchAll(/\r\n|\n|\r/g)) lineStarts.push(m.index! + m[0].length);
  const records: CsvRow[] = [];
  let base = 0; // lines before the slice being parsed
  for (let restarts = 0; ; restarts++) {
    let lastEnd = base;
    try {
      parse(base === 0 ? text : text.slice(lineStarts[base]), {
        bom: base === 0,
        relax_column_count: true,
        skip_empty_lines: true,
        // Any line ending, even mixed in one file (edited on several systems): csv-parse otherwise settles on
        // the first one it sees and glues the rows ending differently onto their neighbours.
        record_delimiter: ['\r\n', '\n', '\r'],
        on_record: (record: string[], ctx: { lines: number }) => {
          lastEnd = base + ctx.lines;
          records.push({ line: lastEnd, cells: record });
          return null;
        },
      });
      break;
    } catch (err) {
      let bad = lastEnd; // 0-based index of the failing record's first line
      while (bad < lineStarts.length - 1 && lineOf(text, lineStarts, bad).trim() === '') bad++;
      if (bad >= lineStarts.length || restarts >= MAX_RESTARTS) {
        report.add('csv-unreadable', relPath, `cannot parse CSV: ${describeCsvError(err, records[0]?.cells)}`);
        break;
      }
      report.add('malformed-row', relPath, atLine(bad + 1, describeCsvError(err, records[0]?.cells, lineOf(text, lineStarts, bad))), bad + 1);
      base = bad + 1;
      if (base >= lineStarts.length) break;
    }
  }
  if (records.length === 0) {
    report.add('csv-unreadable', relPath, 'empty CSV (no header)');
    return null;
  }
  const header = records[0].cells.map((h) => h.trim());
  const rows: CsvRow[] = [];
  for (const { cells, line } of records.slice(1)) {
    if (cells.length !== header.length) {
      // A trailing empty cell from a stray comma is harmless; anything else is a broken row.
      const trailingEmpty = cells.length === header.length + 1 && cells[cells.length - 1] === '';
      if (!trailingEmpty) {
        report.add('malformed-row', relPath, atLine(line, describeCellCount(header.length, cells.length)), line);
        continue;
      }
    }
    rows.push({ line, cells: cells.slice(0, header.length) });
  }
  return { header, rows };
}

function lineOf(text: string, starts: number[], i: number): string {
  return text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : text.length);
}
