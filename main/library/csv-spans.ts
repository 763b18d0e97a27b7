/**
 * Where each record and cell of a CSV text sits, so one cell can be replaced while every other byte stays
 * as it was. (csv-parse gives values, not positions; reading labels still goes through csv-parse.)
 */
export interface CellSpan {
  start: number;
  end: number;
  quoted: boolean;
  value: string;
}

export interface RecordSpan {
  start: number;
  /** End of the record's content (before its line break). */
  end: number;
  /** 1-based line the record starts on. */
  line: number;
  cells: CellSpan[];
}

export function tokenizeCsv(text: string, delimiter = ','): RecordSpan[] {
  const records: RecordSpan[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const recStart = i;
    const recLine = line;
    const cells: CellSpan[] = [];
    for (;;) {
      const start = i;
      let value = '';
      let quoted = false;
      if (text[i] === '"') {
        quoted = true;
        i++;
        for (;;) {
          if (i >= text.length) break; // unclosed quote: runs to the end, as csv-parse would reject it
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          value += ch;
          i++;
        }
        // Anything between the closing quote and the delimiter belongs to the cell (malformed, kept as is).
        while (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') value += text[i++];
      } else {
        while (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') value += text[i++];
      }
      cells.push({ start, end: i, quoted, value });
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    const end = i;
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (end > recStart) records.push({ start: recStart, end, line: recLine, cells });
  }
  return records;
}

/** The line break the file uses (first one found), CRLF, LF or CR. */
export function detectLineEnding(text: string): string {
  const m = /\r\n|\n|\r/.exec(text);
  return m ? m[0] : '\n';
}

/** A cell as CSV: quoted if the original was, or if the value needs it. */
export function encodeCell(value: string, quote: boolean, delimiter = ','): string {
  const needs = quote || value.includes(delimiter) || value.includes('"') || /[\r\n]/.test(value) || value !== value.trim();
  return needs ? `"${value.replace(/"/g, '""')}"` : value;
}
