import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/database';
import { detectLineEnding, encodeCell, tokenizeCsv, type RecordSpan } from './csv-spans';
import { detectListStyle, formatGenreList, type ListStyle } from './genre-list';
import { lastImportReport, getLibrary } from './library-repo';
import { stemOf } from './layouts/file-index';
import type { LabelCsv } from './types';
import { writeErrorReason } from '../core/write-error';

export interface WritebackFileResult {
  relPath: string;
  rowsUpdated: number;
  rowsAppended: number;
}

export interface WritebackResult {
  files: WritebackFileResult[];
  /** Posters whose labels are now in a CSV (their labels count as imported again). */
  written: number;
  /** Posters (or genres of them) that could not be written, with why; their labels stay 'user'. */
  notWritten: { relPath: string; reason: string }[];
}

interface Edited {
  id: number;
  relPath: string;
  posterId: string;
  split: string | null;
  genres: string[];
}

/** A label CSV that write-back would replace, and how many edited posters go into it. */
export interface WritebackTarget {
  relPath: string;
  absPath: string;
  posters: number;
}

export interface WritebackPlan {
  targets: WritebackTarget[];
  /** Edited posters no label CSV covers (they cannot be written). */
  uncovered: number;
}

interface Assignment {
  csv: LabelCsv;
  absPath: string;
  posters: Edited[];
}

function editedPosters(db: Db, libraryId: number): Edited[] {
  return (
    db
      .prepare(
        `SELECT i.id, i.rel_path AS relPath, i.poster_id AS posterId, i.split,
      (SELECT json_group_array(name) FROM (SELECT g.name FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = i.id ORDER BY g.position)) AS genres
    FROM images i WHERE i.library_id = ? AND i.labels_source = 'user' AND i.duplicate_of IS NULL ORDER BY i.rel_path`,
      )
      .all(libraryId) as (Omit<Edited, 'genres'> & { genres: string })[]
  ).map((r) => ({ ...r, genres: JSON.parse(r.genres) as string[] }));
}

/** Which CSV each edited poster goes into (the first CSV whose scope covers it). */
function assign(db: Db, libraryId: number): { edited: Edited[]; assignments: Assignment[]; uncovered: Edited[] } {
  const lib = getLibrary(db, libraryId);
  const csvs = lastImportReport(db, libraryId)?.labelCsvs ?? [];
  const edited = editedPosters(db, libraryId);
  const claimed = new Set<number>();
  const assignments: Assignment[] = [];
  for (const csv of csvs) {
    const mine = edited.filter((e) => !claimed.has(e.id) && inScope(csv, e));
    if (mine.length === 0) continue;
    for (const e of mine) claimed.add(e.id);
    assignments.push({ csv, absPath: path.join(lib.root, ...csv.relPath.split('/')), posters: mine });
  }
  return { edited, assignments, uncovered: edited.filter((e) => !claimed.has(e.id)) };
}

/** The files write-back would replace, without touching anything: what the user confirms first. */
export function planWriteBack(db: Db, libraryId: number): WritebackPlan {
  const { assignments, uncovered } = assign(db, libraryId);
  return { targets: assignments.map((a) => ({ relPath: a.csv.relPath, absPath: a.absPath, posters: a.posters.length })), uncovered: uncovered.length };
}

export interface WritebackOptions {
  /** Each replaced file's previous bytes are copied here first (under its relative path); no copy, no replace. */
  backupDir?: string;
}

/**
 * Writes labels edited in the app back into the library's label CSVs (tutorial metadata.csv or the csv
 * layout's file). Edited rows get new 0/1 cells and genre-list cell; every other byte (column order, quoting,
 * line endings, BOM, other rows) stays as it was. Posters without a row get one appended. Each file is
 * replaced atomically (temp file in the same folder, fsync, rename).
 */
export async function writeBackLabels(db: Db, libraryId: number, opts: WritebackOptions = {}): Promise<WritebackResult> {
  const { edited, assignments, uncovered } = assign(db, libraryId);
  const result: WritebackResult = { files: [], written: 0, notWritten: [] };
  if (edited.length === 0) return result;
  const noCsv = (lastImportReport(db, libraryId)?.labelCsvs ?? []).length === 0;
  const done: number[] = [];
  for (const { csv, absPath, posters } of assignments) {
    try {
      const backup = opts.backupDir ? path.join(opts.backupDir, ...csv.relPath.split('/')) : undefined;
      const r = await writeOneCsv(absPath, csv, posters, result.notWritten, backup);
      result.files.push({ relPath: csv.relPath, rowsUpdated: r.updated, rowsAppended: r.appended });
      done.push(...r.written);
    } catch (err) {
      for (const e of posters) result.notWritten.push({ relPath: e.relPath, reason: `${csv.relPath}: ${(err as Error).message}` });
    }
  }
  const reason = noCsv ? 'this library has no label CSV to write to' : 'no label CSV covers this folder';
  for (const e of uncovered) result.notWritten.push({ relPath: e.relPath, reason });

  // The CSV now holds these labels: they are imported labels again (and no longer pending).
  db.transaction(() => {
    const img = db.prepare("UPDATE images SET labels_source = 'import' WHERE id = ?");
    const lab = db.prepare("UPDATE labels SET source = 'import' WHERE image_id = ?");
    for (const id of done) {
      img.run(id);
      lab.run(id);
    }
  })();
  result.written = done.length;
  return result;
}

/** Tutorial CSVs cover their split folder; csv-layout files cover the whole library. */
function inScope(csv: LabelCsv, e: Edited): boolean {
  if (csv.split === null) return true;
  const dir = path.posix.dirname(csv.relPath);
  if (dir === '.') return e.split === csv.split; // e.g. a root predict_labels.csv
  return e.relPath.toLowerCase().startsWith(`${dir.toLowerCase()}/`);
}

// eslint-disable-next-line max-lines-per-function -- one atomic write: read, check, back up, replace, verify, each a step that can leave the file untouched
async function writeOneCsv(file: string, csv: LabelCsv, edited: Edited[], notWritten: WritebackResult['notWritten'], backup?: string) {
  const before = await fs.promises.stat(file);
  const bytes = await fs.promises.readFile(file);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new Error('the file is not valid UTF-8; not rewriting it');
  const records = tokenizeCsv(text);
  if (records.length === 0) throw new Error('the file has no header');
  const header = records[0].cells.map((c) => c.value.trim());
  const idIdx = header.indexOf(csv.idColumn);
  if (idIdx < 0) throw new Error(`column "${csv.idColumn}" is gone from the file`);
  const listIdx = csv.listColumn === null ? -1 : header.indexOf(csv.listColumn);
  const flagIdx = new Map<string, number>();
  for (const [genre, col] of Object.entries(csv.flagColumns)) {
    const i = header.indexOf(col);
    if (i >= 0) flagIdx.set(genre.toLowerCase(), i);
  }
  const eol = detectLineEnding(text);
  const listStyle = learnListStyle(records, listIdx);
  // New rows quote their list cell the way most rows do.
  const listCells =
    listIdx < 0
      ? []
      : records
          .slice(1)
          .map((r) => r.cells[listIdx])
          .filter((c) => c && c.value !== '');
  const quoteNewLists = listCells.filter((c) => c.quoted).length * 2 >= listCells.length && listCells.length > 0;
  const csvDir = path.posix.dirname(csv.relPath) === '.' ? '' : path.posix.dirname(csv.relPath);

  // First row per id, as the reader uses it; the key is the id's stem, like the poster id.
  const rowByKey = new Map<string, RecordSpan>();
  for (const r of records.slice(1)) {
    if (r.cells.length !== header.length) continue;
    const key = stemOf(r.cells[idIdx].value.trim()).toLowerCase();
    if (key && !rowByKey.has(key)) rowByKey.set(key, r);
  }

  const edits: { start: number; end: number; text: string }[] = [];
  const appended: string[] = [];
  const written: number[] = [];
  for (const e of edited) {
    const unknown = flagIdx.size > 0 ? e.genres.filter((g) => !flagIdx.has(g.toLowerCase())) : [];
    if (unknown.length) {
      notWritten.push({ relPath: e.relPath, reason: `genre ${unknown.join(', ')} has no column in ${csv.relPath}` });
      continue;
    }
    const cellsFor = (current: (i: number) => { value: string; quoted: boolean } | null) => {
      const out = new Map<number, string>();
      for (const [g, i] of flagIdx) {
        const on = e.genres.some((x) => x.toLowerCase() === g);
        out.set(i, encodeCell(on ? '1' : '0', current(i)?.quoted ?? false));
      }
      if (listIdx >= 0) out.set(listIdx, encodeCell(formatGenreList(e.genres, listStyle), current(listIdx)?.quoted ?? quoteNewLists));
      return out;
    };
    const row = rowByKey.get(e.posterId.toLowerCase());
    if (row) {
      for (const [i, cellText] of cellsFor((i) => row.cells[i])) {
        const cell = row.cells[i];
        if (text.slice(cell.start, cell.end) !== cellText) edits.push({ start: cell.start, end: cell.end, text: cellText });
      }
    } else {
      const cells = cellsFor(() => null);
      const values = header.map((_, i) => (i === idIdx ? encodeCell(idFor(e, csvDir, records, idIdx), false) : (cells.get(i) ?? '')));
      appended.push(values.join(','));
    }
    written.push(e.id);
  }
  if (edits.length === 0 && appended.length === 0) return { updated: 0, appended: 0, written };

  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const ed of edits) {
    out += text.slice(pos, ed.start) + ed.text;
    pos = ed.end;
  }
  out += text.slice(pos);
  if (appended.length) {
    if (!/[\r\n]$/.test(out)) out += eol;
    out += appended.map((l) => l + eol).join('');
  }

  const now = await fs.promises.stat(file);
  if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) throw new Error('the file changed while writing; try again');
  if (backup) await keepBackup(backup, bytes);
  await atomicWrite(file, out, before.mode);
  const touchedRows = new Set(edits.map((ed) => records.findIndex((r) => ed.start >= r.start && ed.end <= r.end)));
  return { updated: touchedRows.size, appended: appended.length, written };
}

/** The list style most rows use (so new cells look like their neighbours); the tutorial's by default. */
function learnListStyle(records: RecordSpan[], listIdx: number): ListStyle {
  if (listIdx >= 0) {
    for (const r of records.slice(1)) {
      const style = r.cells[listIdx] && detectListStyle(r.cells[listIdx].value);
      if (style) return style;
    }
    for (const r of records.slice(1)) {
      const v = r.cells[listIdx]?.value.trim() ?? '';
      if (v.startsWith('[')) return { kind: 'bracket', quote: v.includes('"') ? '"' : "'", separator: ', ' };
    }
  }
  return { kind: 'bracket', quote: "'", separator: ', ' };
}

/** A new row's id written like the file's other ids: bare id, file name, or path relative to the CSV. */
function idFor(e: Edited, csvDir: string, records: RecordSpan[], idIdx: number): string {
  const sample = records.slice(1, 50).map((r) => r.cells[idIdx]?.value ?? '');
  if (sample.some((v) => v.includes('/'))) return csvDir ? path.posix.relative(csvDir, e.relPath) : e.relPath;
  if (sample.some((v) => path.posix.extname(v) !== '')) return path.posix.basename(e.relPath);
  return e.posterId;
}

async function keepBackup(file: string, bytes: Buffer): Promise<void> {
  try {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, bytes, { flag: 'wx' });
  } catch (err) {
    throw new Error(`could not keep a backup at ${file} (${writeErrorReason(err)}); the file was not changed`, { cause: err });
  }
}

async function atomicWrite(file: string, content: string, mode: number): Promise<void> {
  try {
    await replaceFile(file, content, mode);
  } catch (err) {
    // Read-only folder, full disk: the file is unchanged (temp + rename); say so in plain words.
    throw new Error(`${writeErrorReason(err)}; the file was not changed`, { cause: err });
  }
}

async function replaceFile(file: string, content: string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await fs.promises.open(tmp, 'wx', mode & 0o777);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  // Make the rename itself durable where the platform allows syncing a folder.
  try {
    const d = await fs.promises.open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch {
    /* not supported (Windows): the rename is still atomic */
  }
}
