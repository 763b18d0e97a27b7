import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DOMParser } from '@xmldom/xmldom';
import { openDatabase, type Db } from '../../../main/db/database';
import { standaloneJobContext } from '../../../main/jobs/types';
import { indexLibrary } from '../../../main/library/indexer';
import { openLibrary } from '../../../main/library/library-repo';
import { posterDetail } from '../../../main/library/gallery-queries';
import { createRun } from '../../../main/ml/runs-repo';
import { exportTags, isOurSidecar } from '../../../main/tagging/export';
import { rejectPrediction, writePredictions } from '../../../main/tagging/predictions-repo';
import { posterJpeg } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';

// Names that break naive CSV, XML and spreadsheet handling.
const NAMES = [
  'plain.jpg',
  'comma, in name.jpg',
  'quote "double" and \'single\'.jpg',
  'new\nline.jpg',
  'ポスター é ü.jpg',
  '=HYPERLINK("evil","click").jpg',
  '-minus.jpg',
  '+plus.jpg',
  '@at.jpg',
  'sub/nested <&>.jpg',
];
const GENRES = ['Action', 'Sci-Fi & "Fantasy" <x>', "Rom'com", 'Drama'];
const DC = 'http://purl.org/dc/elements/1.1/';
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

let db: Db;
let root: string;
let out: string;
let libraryId: number;
let runId: number;
/** relPath → expected tags and scores. */
const expected = new Map<string, { tags: string[]; scores: number[] }>();
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const hashes = new Map<string, string>();

before(async () => {
  const dir = tempDir();
  root = path.join(dir, 'posters');
  out = path.join(dir, 'out');
  fs.mkdirSync(out);
  for (const [i, name] of NAMES.entries()) {
    const file = path.join(root, ...name.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, await posterJpeg(['Action'], 40 + i));
    hashes.set(file, sha(file));
  }
  db = openDatabase(path.join(dir, 'db.sqlite'));
  libraryId = openLibrary(db, root).id;
  await indexLibrary(db, libraryId, standaloneJobContext(), { thumbnailsDir: path.join(dir, 'thumbs') });
  runId = createRun(db, { dataset: 'test', backbone: 'mobilenet_v2', genres: GENRES, config: {}, seed: 1 }).id;
  const rows = db.prepare('SELECT rel_path AS rel, hash FROM images WHERE library_id = ? ORDER BY rel_path').all(libraryId) as { rel: string; hash: string }[];
  assert.equal(rows.length, NAMES.length);
  writePredictions(
    db,
    runId,
    GENRES,
    rows.map((r, i) => {
      const scores = GENRES.map((_, j) => ((i + 1) * (j + 3)) % 10 / 10 + 0.05);
      const tags = GENRES.filter((_, j) => scores[j] >= 0.5);
      expected.set(r.rel, { tags, scores });
      return { hash: r.hash, scores: Float32Array.from(scores), tags };
    }),
  );
});
after(() => db?.close());

/** Undoes the CSV-injection escape: a leading ' before a formula character. */
const unescapeFormula = (v: string) => (/^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v);

test('CSV export: unusual names round-trip through csv-parse, formula-like cells are neutralised', async () => {
  const file = path.join(out, 'tags.csv');
  const r = await exportTags(db, { runId, libraryIds: [libraryId], format: 'csv', file });
  assert.equal(r.count, NAMES.length);
  const text = fs.readFileSync(file, 'utf8');
  const records = parse(text, { columns: true }) as Record<string, string>[];
  assert.equal(records.length, NAMES.length);
  assert.deepEqual(Object.keys(records[0]), ['path', 'id', 'tags', 'source', ...GENRES.map((g) => `p_${g}`)]);
  for (const rec of records) {
    for (const v of Object.values(rec)) assert.ok(!/^[=+\-@\t\r]/.test(v), `unescaped formula-like cell ${JSON.stringify(v)}`);
    const rel = path.relative(root, rec.path).split(path.sep).join('/');
    const want = expected.get(rel);
    assert.ok(want, `unknown path ${JSON.stringify(rec.path)}`);
    assert.equal(unescapeFormula(rec.id), path.posix.basename(rel).replace(/\.jpg$/, ''));
    assert.deepEqual(rec.tags === '' ? [] : rec.tags.split('|'), want.tags);
    GENRES.forEach((g, j) => assert.ok(Math.abs(Number(rec[`p_${g}`]) - want.scores[j]) < 1e-4));
  }
  assert.ok(text.includes("'=HYPERLINK"), 'the = cell got its quote prefix');
  assert.ok(text.includes("'-minus") && text.includes("'+plus") && text.includes("'@at"));
});

test('an existing file is never replaced without a confirmation: every format, then with overwrite', async () => {
  for (const format of ['csv', 'json', 'metadata-csv'] as const) {
    const file = path.join(out, `existing-${format}.txt`);
    fs.writeFileSync(file, 'the user wrote this');
    const asked = await exportTags(db, { runId, libraryIds: [libraryId], format, file });
    assert.equal(asked.exists, file, `${format}: the answer names the existing file`);
    assert.equal(asked.filesWritten, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), 'the user wrote this', `${format}: untouched`);
    await exportTags(db, { runId, libraryIds: [libraryId], format, file, overwrite: true });
    assert.notEqual(fs.readFileSync(file, 'utf8'), 'the user wrote this', `${format}: replaced once confirmed`);
  }
});

test('JSON export keeps names and probabilities exactly', async () => {
  const file = path.join(out, 'tags.json');
  await exportTags(db, { runId, libraryIds: [libraryId], format: 'json', file });
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(doc.genres, GENRES);
  assert.deepEqual(doc.posters.map((p: { relPath: string }) => p.relPath).sort(), [...NAMES].sort());
  for (const p of doc.posters) {
    assert.equal(path.join(root, ...p.relPath.split('/')), p.path);
    assert.deepEqual(p.tags, expected.get(p.relPath)!.tags);
    assert.equal(p.source, 'model');
  }
});

test('XMP sidecars are valid RDF with the tags as dc:subject; other programs\' sidecars are left alone', async () => {
  const foreign = path.join(root, 'plain.jpg.xmp');
  const foreignText = '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>';
  fs.writeFileSync(foreign, foreignText);
  // A rejected tag is not written.
  const nested = db.prepare('SELECT id FROM images WHERE rel_path = ?').pluck().get('sub/nested <&>.jpg') as number;
  const nestedTags = expected.get('sub/nested <&>.jpg')!.tags;
  rejectPrediction(db, runId, nested, nestedTags[0]);

  const r = await exportTags(db, { runId, libraryIds: [libraryId], format: 'xmp' });
  assert.equal(r.filesWritten, NAMES.length - 1);
  assert.deepEqual(r.skipped.map((s) => s.file), [foreign]);
  assert.equal(fs.readFileSync(foreign, 'utf8'), foreignText, 'a sidecar of another program is never changed');

  for (const name of NAMES.slice(1)) {
    const image = path.join(root, ...name.split('/'));
    const text = fs.readFileSync(`${image}.xmp`, 'utf8');
    const errors: string[] = [];
    const doc = new DOMParser({ onError: (level, msg) => errors.push(`${level}: ${msg}`) }).parseFromString(text, 'text/xml');
    assert.deepEqual(errors, [], name);
    const subject = doc.getElementsByTagNameNS(DC, 'subject');
    assert.equal(subject.length, 1);
    const bag = subject[0].getElementsByTagNameNS(RDF, 'Bag');
    assert.equal(bag.length, 1);
    const items = Array.from(bag[0].getElementsByTagNameNS(RDF, 'li')).map((li) => li.textContent);
    const want = expected.get(name)!.tags.filter((t) => name !== 'sub/nested <&>.jpg' || t !== nestedTags[0]);
    assert.deepEqual(items, want, name);
    assert.ok(isOurSidecar(text));
  }
  // Ours are replaced on the next export (tags changed by a review), atomically: no temp files left behind.
  rejectPrediction(db, runId, nested, nestedTags[0], true);
  const again = await exportTags(db, { runId, libraryIds: [libraryId], format: 'xmp' });
  assert.equal(again.filesWritten, NAMES.length - 1);
  const text = fs.readFileSync(path.join(root, 'sub', 'nested <&>.jpg.xmp'), 'utf8');
  assert.ok(text.includes('<rdf:li>Sci-Fi &amp; &quot;Fantasy&quot; &lt;x&gt;</rdf:li>') || !nestedTags.includes(GENRES[1]));
  const leftovers = fs.readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'));
  assert.deepEqual(leftovers, []);
  // The images themselves were never touched.
  for (const [file, hash] of hashes) assert.equal(sha(file), hash);
});

test('metadata.csv makes a tagged folder into training data: re-indexing reads the tags as labels', async () => {
  const r = await exportTags(db, { runId, libraryIds: [libraryId], format: 'metadata-csv' });
  const file = path.join(fs.realpathSync(root), 'metadata.csv');
  assert.deepEqual(r.files, [file]);
  const records = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(records[0]), ['Id', 'Genre', ...GENRES]);
  assert.ok(records.every((rec) => !/^[=+\-@]/.test(rec.Id)), 'formula-like ids are written as ./paths');
  assert.equal((await exportTags(db, { runId, libraryIds: [libraryId], format: 'metadata-csv' })).exists, file, 'an existing metadata.csv is not replaced unasked');

  const result = await indexLibrary(db, libraryId, standaloneJobContext(), { thumbnailsDir: path.join(out, 'thumbs') });
  assert.equal(result.layout, 'csv');
  assert.equal(result.report.issues.length, 0, JSON.stringify(result.report.issues));
  for (const [rel, want] of expected) {
    const id = db.prepare('SELECT id FROM images WHERE library_id = ? AND rel_path = ?').pluck().get(libraryId, rel) as number;
    const detail = posterDetail(db, id);
    assert.deepEqual([...detail.genres].sort(), [...want.tags].sort(), rel);
    assert.equal(detail.labelsSource, 'import');
  }
});

test('bad export requests fail with a clear message and write nothing', async () => {
  await assert.rejects(exportTags(db, { runId, libraryIds: [libraryId], format: 'csv' }), /needs a file name/);
  await assert.rejects(exportTags(db, { runId, libraryIds: [libraryId], format: 'csv', file: path.join(out, 'missing', 'x.csv') }), /Folder not found/);
  await assert.rejects(exportTags(db, { runId: 999, libraryIds: [libraryId], format: 'csv', file: path.join(out, 'x.csv') }), /no run #999/);
  assert.ok(!fs.existsSync(path.join(out, 'x.csv')));
});

test('deleting a run deletes its predictions and scores; rejections outlive it', () => {
  const nested = db.prepare('SELECT id FROM images WHERE rel_path = ?').pluck().get('sub/nested <&>.jpg') as number;
  rejectPrediction(db, runId, nested, GENRES[0]);
  db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  assert.equal(db.prepare('SELECT COUNT(*) FROM predictions').pluck().get(), 0);
  assert.equal(db.prepare('SELECT COUNT(*) FROM prediction_scores').pluck().get(), 0);
  assert.deepEqual(db.prepare('SELECT genre, run_id AS runId FROM prediction_rejections').all(), [{ genre: GENRES[0], runId: null }]);
});
