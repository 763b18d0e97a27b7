/**
 * csv-parse's errors in the words of someone who edits a CSV in a spreadsheet or a text editor: what is
 * wrong and how to fix it, instead of the parser's wording ("…trimable character (if activated)…").
 */
interface CsvErrorLike {
  code?: string;
  /** 0-based field index (csv-parse's `column` when columns are not named). */
  column?: number | string;
  message?: string;
}

/**
 * One sentence, without the line (the caller adds "Line N: "). `header` names the field when known;
 * `lineText` (the failing record's first line) lets it check that naming by position is right: csv-parse
 * counts the fields before the error by their commas, so an unquoted value with a comma in it (a genre list
 * such as `['Action', 'Com"edy']`) shifts the count onto the next column's name. Then the field is shown by
 * its text instead of a header name that would point at the wrong column.
 */
export function describeCsvError(err: unknown, header?: readonly string[], lineText?: string): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as CsvErrorLike;
  const where = fieldName(e.column, header, lineText);
  switch (e.code) {
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return `a quote inside a field must be doubled ("") — the field${where} ends at the quote but text follows`;
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_OPENING_QUOTE':
      return `a field${where} has a quote in the middle — put the whole field in quotes and double the quote inside ("")`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return `a quoted field${where} is never closed — add the missing quote, or double a quote that is part of the text ("")`;
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return 'this row has a different number of fields than the header — a comma inside a field needs quotes around the field';
    case 'CSV_MAX_RECORD_SIZE':
      return 'this row is far too long — probably a quote that is never closed';
    default: {
      // Unknown codes (a newer csv-parse): its own text, minus the position it repeats.
      const raw = (e.message ?? String(err)).replace(/\s*(at|on) line \d+/g, '').trim();
      return raw ? `cannot be read as CSV (${raw})` : 'cannot be read as CSV';
    }
  }
}

/** A row whose cell count differs from the header's, once csv-parse read it. */
export function describeCellCount(expected: number, found: number): string {
  const fields = (n: number) => `${n} field${n === 1 ? '' : 's'}`;
  return found > expected
    ? `${fields(found)} where the header has ${expected} — a comma inside a field needs quotes around the field`
    : `${fields(found)} where the header has ${expected} — a field is missing (or the row was cut short)`;
}

export function atLine(line: number, sentence: string): string {
  return `Line ${line}: ${sentence}`;
}

function fieldName(column: CsvErrorLike['column'], header?: readonly string[], lineText?: string): string {
  if (typeof column !== 'number') return '';
  if (lineText !== undefined && header?.length) {
    const fields = lenientFields(lineText.replace(/\r?\n$|\r$/, ''));
    if (fields.length !== header.length) {
      // Not the header's shape: the position is not a column. Show the text of the field instead, if known.
      const text = fields[column]?.trim();
      return text ? ` (“${text.length > 40 ? `${text.slice(0, 40)}…` : text}”)` : '';
    }
  }
  const name = header?.[column]?.trim();
  return name ? ` "${name}"` : ` ${column + 1}`;
}

/**
 * A broken line cut into fields the way a person reads it: a quote at the start of a field quotes it up to
 * the next quote; any other quote is text; commas outside quotes separate fields. Never throws.
 */
export function lenientFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let atStart = true;
  for (const ch of line) {
    if (quoted) {
      if (ch === '"') quoted = false;
      else cur += ch;
      continue;
    }
    if (ch === ',') {
      out.push(cur);
      cur = '';
      atStart = true;
      continue;
    }
    if (ch === '"' && atStart) quoted = true;
    else cur += ch;
    atStart = false;
  }
  out.push(cur);
  return out;
}
