// Fuzzing the label readers with seeded random and mutated metadata.csv files (BOM, CRLF/CR, quoting, huge
// fields, missing and extra cells, missing columns, bad values, NUL and invalid UTF-8, garbage). Properties:
// the readers never throw, every damaged row is counted in the import report, and every row the mutation did
// not touch still loads with its labels. A sample goes through the whole indexer and write-back too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseCsvTable, readCsvTable } from '../../main/library/csv-table';
import { interpretLabelCsv } from '../../main/library/label-csv';
import { parseGenreList, detectListStyle } from '../../main/library/genre-list';
import { tokenizeCsv } from '../../main/library/csv-spans';
import { readCsvHeader } from '../../main/library/layouts/detect';
import { ReportBuilder } from '../../main/library/import-report';
import { indexLibrary } from '../../main/library/indexer';
import { openLibrary } from '../../main/library/library-repo';
import { setPosterLabels } from '../../main/library/gallery-queries';
import { writeBackLabels } from '../../main/library/csv-writeback';
import { standaloneJobContext } from '../../main/jobs/types';
import { openDatabase } from '../../main/db/database';
import { rng, posterJpeg } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { LONG, record } from './stats';

const SUITE = 'CSV fuzz';
const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance'];
const CASES = LONG ? 5000 : 300;

interface Case {
  text: string;
  /** Ids of rows no mutation touched, with their genres: these must load. */
  intact: Map<string, string[]>;
  /** Some damage the report must count (false for harmless changes such as BOM or CRLF). */
  damaged: boolean;
  /** Damage to quoting can swallow the following lines (inherent in CSV): only earlier rows are promised. */
  quoteDamageAt: number | null;
  what: string[];
}

type Rand = () => number;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)];

function makeCase(seed: number): Case {
  const rand = rng(seed);
  const n = 3 + Math.floor(rand() * 20);
  const header = ['Id', 'Genre', ...GENRES];
  const rows: { id: string; genres: string[]; cells: string[]; touched: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const id = `tt${String(seed * 100 + i).padStart(7, '0')}`;
    let genres = GENRES.filter(() => rand() < 0.3);
    if (genres.length === 0) genres = [pick(rand, GENRES)];
    const list = `"[${genres.map((g) => `'${g}'`).join(', ')}]"`;
    rows.push({ id, genres, cells: [id, list, ...GENRES.map((g) => (genres.includes(g) ? '1' : '0'))], touched: false });
  }
  const what: string[] = [];
  let damaged = false;
  let quoteDamageAt: number | null = null;
  let bom = false;
  let eol = '\n';
  let headerCells = header;
  let garbage: string | null = null;
  const mutations = 1 + Math.floor(rand() * 4);
  for (let m = 0; m < mutations; m++) {
    // Each mutation hits a row no earlier one touched, so the expectations below stay exact.
    const fresh = rows.filter((x) => !x.touched);
    const r = fresh.length ? pick(rand, fresh) : rows[0];
    const kind = pick(rand, [
      'bom',
      'crlf',
      'cr',
      'missing-cell',
      'extra-cell',
      'huge-field',
      'bad-value',
      'duplicate-id',
      'empty-lines',
      'nul',
      'stray-quote',
      'open-quote',
      'drop-id-column',
      'drop-genre-columns',
      'empty-id',
      'garbage',
      'unicode-id',
      'header-only',
    ] as const);
    what.push(kind);
    switch (kind) {
      case 'bom':
        bom = true;
        break;
      case 'crlf':
        eol = '\r\n';
        break;
      case 'cr':
        eol = '\r';
        break;
      case 'missing-cell':
        r.cells.splice(2 + Math.floor(rand() * GENRES.length), 1);
        r.touched = true;
        damaged = true;
        break;
      case 'extra-cell':
        r.cells.push('1', 'x');
        r.touched = true;
        damaged = true;
        break;
      case 'huge-field':
        r.cells[1] = `"${"['Action', ".repeat(20_000)}]"`;
        r.touched = true;
        break;
      case 'bad-value':
        r.cells[2 + Math.floor(rand() * GENRES.length)] = pick(rand, ['yes?', '2', '-1', 'NaN', '']);
        r.touched = true;
        damaged = true;
        break;
      case 'duplicate-id':
        if (r !== rows[0]) {
          r.cells[0] = rows[0].cells[0];
          r.touched = rows[0].touched = true;
          damaged = true;
        }
        break;
      case 'empty-lines':
        r.cells[0] = `${eol}${eol}${r.cells[0]}`;
        break;
      case 'nul':
        r.cells[1] = `"[\u0000'Drama']"`;
        r.touched = true;
        break;
      case 'stray-quote':
        r.cells[1] = `[Act"ion]`;
        r.touched = true;
        damaged = true;
        quoteDamageAt ??= rows.indexOf(r);
        break;
      case 'open-quote':
        r.cells[1] = `"['Action'`;
        r.touched = true;
        damaged = true;
        quoteDamageAt ??= rows.indexOf(r);
        break;
      case 'drop-id-column':
        headerCells = headerCells.map((h) => (h === 'Id' ? 'Identifier' : h));
        damaged = true;
        break;
      case 'drop-genre-columns':
        headerCells = headerCells.map((h) => (GENRES.includes(h) ? `${h} score` : h));
        damaged = true;
        break;
      case 'empty-id':
        r.cells[0] = '';
        r.touched = true;
        damaged = true;
        break;
      case 'garbage':
        garbage = Array.from({ length: 200 + Math.floor(rand() * 2000) }, () => String.fromCharCode(Math.floor(rand() * 0x3000))).join('');
        damaged = true;
        break;
      case 'unicode-id':
        r.cells[0] = `"映画 ${r.id}, é"`;
        r.touched = true;
        break;
      // No rows at all is a legitimate (empty) label file; only damage to the header still counts.
      case 'header-only':
        rows.length = 0;
        damaged = garbage !== null || !headerCells.includes('Id');
        break;
    }
    if (rows.length === 0) break;
  }
  let text = garbage ?? [headerCells.join(','), ...rows.map((r) => r.cells.join(','))].join(eol) + eol;
  if (bom) text = '\uFEFF' + text;
  const headerOk = garbage === null && headerCells === header;
  const intact = new Map<string, string[]>();
  if (headerOk) {
    rows.forEach((r, i) => {
      if (r.touched || (quoteDamageAt !== null && i >= quoteDamageAt)) return;
      if (rows.some((o) => o !== r && o.cells[0] === r.id && rows.indexOf(o) < i)) return;
      intact.set(r.id, r.genres);
    });
  }
  return { text, intact, damaged, quoteDamageAt, what };
}

const problems = (report: ReportBuilder) => Object.values(report.counts).reduce((a, b) => a + (b ?? 0), 0);

test(`${CASES} mutated metadata.csv files: the readers never throw, damage is counted, intact rows load`, () => {
  let damagedCases = 0;
  for (let seed = 1; seed <= CASES; seed++) {
    const c = makeCase(seed);
    const where = `case ${seed} (${c.what.join(', ')})`;
    const report = new ReportBuilder();
    let loaded = new Map<string, string[]>();
    assert.doesNotThrow(() => {
      const table = parseCsvTable(c.text, 'train/metadata.csv', report);
      const content = table && interpretLabelCsv(table, 'train/metadata.csv', report);
      if (content) loaded = new Map(content.rows.map((r) => [r.id.replace(/^映画 (.*), é$/, '$1'), r.genres]));
      for (const r of table?.rows ?? [])
        for (const cell of r.cells) {
          parseGenreList(cell);
          detectListStyle(cell);
        }
      tokenizeCsv(c.text);
    }, where);
    for (const [id, genres] of c.intact) assert.deepEqual(loaded.get(id), genres, `${where}: intact row ${id} did not load as written`);
    if (c.damaged) {
      damagedCases++;
      assert.ok(problems(report) > 0, `${where}: damage went unreported`);
    }
  }
  record(SUITE, 'badInputs', CASES);
  assert.ok(damagedCases > CASES / 2);
});

test('pure random bytes and text: never a throw, always a report', () => {
  const rand = rng(99);
  const n = LONG ? 2000 : 200;
  const dir = tempDir();
  for (let i = 0; i < n; i++) {
    const bytes = Buffer.from(
      Array.from({ length: Math.floor(rand() * 3000) }, () => (rand() < 0.3 ? pick(rand, [44, 34, 10, 13, 0xef, 0xbb, 0xbf]) : Math.floor(rand() * 256))),
    );
    const file = path.join(dir, `r${i}.csv`);
    fs.writeFileSync(file, bytes);
    const report = new ReportBuilder();
    assert.doesNotThrow(() => {
      const table = readCsvTable(file, `r${i}.csv`, report);
      if (table) interpretLabelCsv(table, `r${i}.csv`, report);
      readCsvHeader(file);
      tokenizeCsv(bytes.toString('utf8'));
    });
    assert.ok(problems(report) > 0, `random file ${i} produced no issue`);
  }
  record(SUITE, 'badInputs', n);
});

const dbDir = tempDir();
const db = openDatabase(path.join(dbDir, 'fuzz.sqlite'));
after(() => db.close());

test('through the indexer and write-back: damaged CSVs import what is good and write-back changes only edited rows', async () => {
  const n = LONG ? 100 : 12;
  const jpeg = await posterJpeg(['Drama'], 1, 16, 24);
  let checked = 0;
  for (let seed = 1; checked < n; seed++) {
    const c = makeCase(5000 + seed);
    if (c.intact.size < 2 || c.what.includes('unicode-id')) continue;
    checked++;
    const root = path.join(tempDir(), `lib${seed}`);
    fs.mkdirSync(path.join(root, 'train'), { recursive: true });
    for (const id of c.intact.keys()) fs.writeFileSync(path.join(root, 'train', `${id}.jpg`), jpeg);
    fs.writeFileSync(path.join(root, 'train', 'metadata.csv'), c.text);
    const lib = openLibrary(db, root);
    const r = await indexLibrary(db, lib.id, standaloneJobContext(), { thumbnailsDir: path.join(dbDir, 'thumbs') });
    assert.equal(r.layout, 'tutorial');
    const got = new Map(
      (
        db
          .prepare(
            `SELECT i.poster_id AS id, group_concat(g.name) AS g FROM images i LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN genres g ON g.id = l.genre_id
        WHERE i.library_id = ? GROUP BY i.id`,
          )
          .all(lib.id) as { id: string; g: string | null }[]
      ).map((x) => [x.id, (x.g ?? '').split(',').filter(Boolean).sort()]),
    );
    for (const [id, genres] of c.intact) assert.deepEqual(got.get(id), [...genres].sort(), `case ${c.what.join(', ')}: ${id}`);
    if (c.damaged) assert.ok(Object.keys(r.report.counts).length > 0);

    // Edit one intact poster and write back: every other line of the file stays byte for byte.
    const [id] = c.intact.keys();
    const imageId = db.prepare('SELECT id FROM images WHERE library_id = ? AND poster_id = ?').pluck().get(lib.id, id) as number;
    const edit = c.intact.get(id)!.join() === 'Horror' ? 'Comedy' : 'Horror';
    setPosterLabels(db, imageId, [edit]);
    const before = c.text.split(/\r\n|\n|\r/);
    const wb = await writeBackLabels(db, lib.id);
    const after = fs.readFileSync(path.join(root, 'train', 'metadata.csv'), 'utf8');
    if (wb.written === 1) {
      const lines = after.split(/\r\n|\n|\r/);
      assert.equal(lines.length, before.length, `case ${c.what.join(', ')}: line count changed`);
      const changed = lines.filter((l, i) => l !== before[i]);
      assert.equal(changed.length, 1, `case ${c.what.join(', ')}: ${changed.length} lines changed`);
      assert.ok(changed[0].includes(id) && changed[0].includes(edit));
    } else {
      assert.equal(after, c.text, 'a refused write-back leaves the file alone');
      assert.equal(db.prepare('SELECT labels_source FROM images WHERE id = ?').pluck().get(imageId), 'user');
    }
  }
  record(SUITE, 'badInputs', n);
});
