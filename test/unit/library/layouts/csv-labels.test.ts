import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanLibraryFiles } from '../../../../main/library/file-scan';
import { readLayout } from '../../../../main/library/layouts';
import { parseCsvTable } from '../../../../main/library/csv-table';
import { ReportBuilder } from '../../../../main/library/import-report';
import { writeImage, writeText } from '../helpers';
import { tempFolder } from '../../../helpers/temp';

test('csv layout: a label CSV anywhere, ids as names, files or paths, three list styles', async () => {
  const t = tempFolder();
  try {
    const r = t.dir;
    await writeImage(path.join(r, 'images/2019/one.jpg'), 'jpeg', 1);
    await writeImage(path.join(r, 'images/two.png'), 'png', 2);
    await writeImage(path.join(r, 'images/three.webp'), 'webp', 3);
    await writeImage(path.join(r, 'images/four.jpg'), 'jpeg', 4);
    await writeImage(path.join(r, 'images/five.jpg'), 'jpeg', 5);
    writeText(
      path.join(r, 'meta/labels.csv'),
      [
        'filename,title,genres',
        'one,First,Action|Crime',
        "two.png,Second,\"['Comedy', 'crime']\"",
        '../images/three.webp,Third,"Drama, Action"',
        'missing.jpg,Nope,Drama',
        'one,Again,Drama',
        'five.jpg,Fifth,',
        '',
      ].join('\r\n'),
    );

    const res = readLayout(r, await scanLibraryFiles(r));
    assert.equal(res.layout, 'csv');
    assert.deepEqual(res.genres, ['Action', 'Comedy', 'Crime', 'Drama']);
    const m = new Map(res.images.map((i) => [i.relPath, i]));
    assert.deepEqual(m.get('images/2019/one.jpg')!.genres, ['Action', 'Crime']);
    assert.deepEqual(m.get('images/two.png')!.genres, ['Comedy', 'Crime'], 'crime folded onto Crime');
    assert.deepEqual(m.get('images/three.webp')!.genres, ['Drama', 'Action']);
    assert.deepEqual(m.get('images/five.jpg')!.genres, [], 'an empty list cell: labelled, no genre');
    assert.equal(m.get('images/four.jpg')!.genres, null);
    assert.equal(m.get('images/two.png')!.posterId, 'two');
    const c = res.report.counts;
    assert.equal(c['missing-image'], 1);
    assert.equal(c['duplicate-id'], 1);
    assert.equal(c['unlisted-image'], 1);
    assert.equal(c['ignored-column'], 1, 'title is not a genre');
    assert.equal(res.report.issues.find((i) => i.kind === 'missing-image')!.line, 5);
    assert.deepEqual(res.labelCsvs, [{ relPath: 'meta/labels.csv', idColumn: 'filename', listColumn: 'genres', flagColumns: {}, split: null }]);
  } finally {
    t.cleanup();
  }
});

test('csv reading: an unclosed quote costs one line, not the rest of the file', () => {
  const report = new ReportBuilder();
  const table = parseCsvTable('id,genre\na,Drama\nb,"Comedy\nc,Action\n\nd,"x"y\ne,War\n', 'x.csv', report)!;
  assert.deepEqual(
    table.rows.map((r) => [r.line, ...r.cells]),
    [
      [2, 'a', 'Drama'],
      [4, 'c', 'Action'],
      [7, 'e', 'War'],
    ],
  );
  assert.deepEqual(
    report.issues.map((i) => [i.kind, i.line]),
    [
      ['malformed-row', 3],
      ['malformed-row', 6],
    ],
  );
});

test('csv reading: BOM and CRLF are invisible in the values', () => {
  const report = new ReportBuilder();
  const table = parseCsvTable('\ufeffid,genre\r\n"a, b","Drama"\r\n', 'x.csv', report)!;
  assert.deepEqual(table.header, ['id', 'genre']);
  assert.deepEqual(table.rows[0].cells, ['a, b', 'Drama']);
  assert.equal(report.issues.length, 0);
});
