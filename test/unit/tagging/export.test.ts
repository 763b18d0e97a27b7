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
import { createRun } from '../../../main/runs/runs-repo';
import { exportTags } from '../../../main/tagging/export';
import { createdByUs } from '../../../main/tagging/xmp/merge';
import { parseXmp } from '../../../main/tagging/xmp/packet';
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
      const scores = GENRES.map((_, j) => (((i + 1) * (j + 3)) % 10) / 10 + 0.05);
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

test('the same CSV or JSON export twice leaves the file alone the second time (JSON: its timestamp aside)', async () => {
  for (const format of ['csv', 'json'] as const) {
    const file = path.join(out, `twice.${format}`);
    await exportTags(db, { runId, libraryIds: [libraryId], format, file });
    const bytes = fs.readFileSync(file);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const mtime = fs.statSync(file).mtimeMs;
    const r = await exportTags(db, { runId, libraryIds: [libraryId], format, file });
    assert.equal(r.exists, undefined, `${format}: nothing would change, so nothing to confirm`);
    assert.equal(r.filesWritten, 0);
    assert.equal(r.unchanged, 1);
    assert.equal(fs.statSync(file).mtimeMs, mtime, `${format}: not rewritten`);
    assert.deepEqual(fs.readFileSync(file), bytes);
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

test("XMP sidecars are valid RDF with the tags as dc:subject; another program's sidecar gets them merged in only once confirmed", async () => {
  const foreign = path.join(root, 'plain.jpg.xmp');
  const foreignText =
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="3"/></rdf:RDF></x:xmpmeta>';
  fs.writeFileSync(foreign, foreignText);
  // A rejected tag is not written.
  const nested = db.prepare('SELECT id FROM images WHERE rel_path = ?').pluck().get('sub/nested <&>.jpg') as number;
  const nestedTags = expected.get('sub/nested <&>.jpg')!.tags;
  rejectPrediction(db, runId, nested, nestedTags[0]);

  const asked = await exportTags(db, { runId, libraryIds: [libraryId], format: 'xmp' });
  assert.equal(asked.exists, foreign);
  assert.deepEqual(asked.merge, { count: 1, files: [foreign] });
  assert.equal(asked.filesWritten, 0);
  assert.equal(fs.readFileSync(foreign, 'utf8'), foreignText, 'nothing is changed before the answer');
  assert.equal(fs.existsSync(path.join(root, 'comma, in name.jpg.xmp')), false, 'not even new sidecars');

  const r = await exportTags(db, { runId, libraryIds: [libraryId], format: 'xmp', overwrite: true });
  const untagged = NAMES.filter((n) => expected.get(n)!.tags.length === 0);
  assert.equal(r.filesWritten, NAMES.length - untagged.length);
  assert.deepEqual(r.skipped, []);
  const merged = parseXmp(fs.readFileSync(foreign, 'utf8'));
  assert.equal(merged.documentElement?.getAttribute('x:xmptk'), 'Adobe XMP Core', 'the other program stays the owner');
  assert.equal(merged.getElementsByTagNameNS(RDF, 'Description')[0].getAttribute('xmp:Rating'), '3');
  assert.equal(createdByUs(merged), false);

  for (const name of NAMES.slice(1)) {
    const image = path.join(root, ...name.split('/'));
    if (untagged.includes(name)) {
      assert.equal(fs.existsSync(`${image}.xmp`), false, 'no genres: no sidecar');
      continue;
    }
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
    assert.ok(createdByUs(parseXmp(text)));
  }
  // Ours are replaced on the next export (tags changed by a review) once confirmed, atomically: no temp files left behind.
  rejectPrediction(db, runId, nested, nestedTags[0], true);
  const again = await exportTags(db, { runId, libraryIds: [libraryId], format: 'xmp', overwrite: true });
  assert.equal(again.filesWritten, 1, 'only the sidecar whose tags changed is rewritten');
  assert.equal(again.unchanged, NAMES.length - 1 - untagged.length);
  const text = fs.readFileSync(path.join(root, 'sub', 'nested <&>.jpg.xmp'), 'utf8');
  assert.ok(text.includes('<rdf:li>Sci-Fi &amp; "Fantasy" &lt;x&gt;</rdf:li>') || !nestedTags.includes(GENRES[1]));
  const leftovers = fs
    .readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.tmp'));
  assert.deepEqual(leftovers, []);
  // The images themselves were never touched.
  for (const [file, hash] of hashes) assert.equal(sha(file), hash);
});

test('XMP: our own sidecars are never replaced unconfirmed; the answer counts and names them; an identical export rewrites nothing', async (t) => {
  const dir = tempDir();
  const lib = path.join(dir, 'xmp posters');
  fs.mkdirSync(lib);
  const names = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg', 'f.jpg', 'g.jpg'];
  for (const [i, name] of names.entries()) fs.writeFileSync(path.join(lib, name), await posterJpeg(['Drama'], 900 + i));
  const id = openLibrary(db, lib).id;
  await indexLibrary(db, id, standaloneJobContext(), { thumbnailsDir: path.join(dir, 'thumbs') });
  const run = createRun(db, { dataset: 'xmp', backbone: 'mobilenet_v2', genres: GENRES, config: {}, seed: 1 }).id;
  // Later tests count every prediction and rejection.
  t.after(() => {
    db.prepare('DELETE FROM prediction_rejections WHERE run_id = ?').run(run);
    db.prepare('DELETE FROM runs WHERE id = ?').run(run);
  });
  const rows = db.prepare('SELECT id, hash FROM images WHERE library_id = ? ORDER BY rel_path').all(id) as { id: number; hash: string }[];
  writePredictions(
    db,
    run,
    GENRES,
    rows.map((r) => ({ hash: r.hash, scores: Float32Array.from([0.9, 0.8, 0.1, 0.7]), tags: ['Action', GENRES[1], 'Drama'] })),
  );
  const sidecars = names.map((n) => path.join(fs.realpathSync(lib), `${n}.xmp`));
  const snapshot = () => sidecars.map((f) => (fs.existsSync(f) ? { bytes: fs.readFileSync(f, 'utf8'), mtime: fs.statSync(f).mtimeMs } : null));

  const first = await exportTags(db, { runId: run, libraryIds: [id], format: 'xmp' });
  assert.equal(first.filesWritten, names.length, 'new sidecars need no confirmation');
  assert.equal(first.exists, undefined);
  const old = new Date(Date.now() - 60_000);
  for (const f of sidecars) fs.utimesSync(f, old, old);
  const written = snapshot();

  // The same export again (QA #3: all 19 rewritten, MetadataDate changed): nothing is touched or asked.
  const second = await exportTags(db, { runId: run, libraryIds: [id], format: 'xmp' });
  assert.equal(second.exists, undefined);
  assert.equal(second.filesWritten, 0);
  assert.equal(second.unchanged, names.length);
  assert.equal(second.count, names.length);
  assert.deepEqual(snapshot(), written, 'bytes and modification times unchanged');

  // The tags changed (a review): ours would be replaced, so the export first asks, writing nothing at all.
  rejectPrediction(db, run, rows[0].id, 'Drama');
  rejectPrediction(db, run, rows[1].id, 'Drama');
  fs.rmSync(sidecars[6]); // and one has to be written anew
  const asked = await exportTags(db, { runId: run, libraryIds: [id], format: 'xmp' });
  assert.equal(asked.exists, sidecars[0]);
  assert.deepEqual(asked.replace, { count: 2, files: [sidecars[0], sidecars[1]], newFiles: 1 });
  assert.equal(asked.filesWritten, 0);
  assert.deepEqual(snapshot().slice(0, 6), written.slice(0, 6), 'file bytes unchanged without overwrite');
  assert.equal(fs.existsSync(sidecars[6]), false, 'not even the new sidecar is written before the answer');

  // "Keep them": only the missing sidecar is written.
  const keep = await exportTags(db, { runId: run, libraryIds: [id], format: 'xmp', keepExisting: true });
  assert.equal(keep.filesWritten, 1);
  assert.equal(keep.kept, 2);
  assert.deepEqual(snapshot().slice(0, 6), written.slice(0, 6));
  assert.ok(fs.existsSync(sidecars[6]));

  // "Replace": the two whose tags changed, and only those.
  const replaced = await exportTags(db, { runId: run, libraryIds: [id], format: 'xmp', overwrite: true });
  assert.equal(replaced.filesWritten, 2);
  assert.deepEqual(
    replaced.files,
    [sidecars[0], sidecars[1]].sort((a, b) => a.localeCompare(b)),
  );
  assert.equal(replaced.unchanged, names.length - 2);
  const now = snapshot();
  assert.ok(!now[0]!.bytes.includes('<rdf:li>Drama</rdf:li>'));
  assert.deepEqual(now.slice(2, 6), written.slice(2, 6), 'the unchanged ones keep their bytes and MetadataDate');
});

test('metadata.csv makes a tagged folder into training data: re-indexing reads the tags as labels', async () => {
  const r = await exportTags(db, { runId, libraryIds: [libraryId], format: 'metadata-csv' });
  const file = path.join(fs.realpathSync(root), 'metadata.csv');
  assert.deepEqual(r.files, [file]);
  const records = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(records[0]), ['Id', 'Genre', ...GENRES]);
  assert.ok(
    records.every((rec) => !/^[=+\-@]/.test(rec.Id)),
    'formula-like ids are written as ./paths',
  );
  const stat = fs.statSync(file);
  const same = await exportTags(db, { runId, libraryIds: [libraryId], format: 'metadata-csv' });
  assert.equal(same.exists, undefined, 'the same metadata.csv again: nothing to replace, nothing to ask');
  assert.equal(same.unchanged, 1);
  assert.equal(same.filesWritten, 0);
  assert.equal(fs.statSync(file).mtimeMs, stat.mtimeMs, 'not rewritten');

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
