import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanLibraryFiles } from '../../../../main/library/file-scan';
import { readLayout } from '../../../../main/library/layouts';
import { writeImage, writeText } from '../helpers';
import { tempFolder } from '../../../helpers/temp';

const byPath = <T extends { relPath: string }>(images: T[]) => new Map(images.map((i) => [i.relPath, i]));

test('tutorial layout: splits, ids, genres from 0/1 columns, formats by content', async () => {
  const t = tempFolder();
  try {
    const r = t.dir;
    await writeImage(path.join(r, 'train/tt1.jpg'), 'jpeg', 1);
    await writeImage(path.join(r, 'train/tt2.jpg'), 'png', 2); // a PNG named .jpg
    await writeImage(path.join(r, 'train/tt3'), 'webp', 3); // no extension at all
    await writeImage(path.join(r, 'val/tt4.jpg'), 'jpeg', 4);
    await writeImage(path.join(r, 'predict/p1.jpg'), 'jpeg', 5);
    // BOM + CRLF, as Excel writes it.
    writeText(
      path.join(r, 'train/metadata.csv'),
      '\ufeffId,Genre,Action,Drama,Horror\r\ntt1,"[\'Action\', \'Horror\']",1,0,1\r\ntt2,"[\'Drama\']",0,1,0\r\ntt3,"[]",0,0,0\r\n',
    );
    writeText(path.join(r, 'val/metadata.csv'), 'Id,Genre,Action,Drama,Horror\ntt4,"[\'Drama\']",0,1,0\n');

    const res = readLayout(r, await scanLibraryFiles(r));
    assert.equal(res.layout, 'tutorial');
    assert.deepEqual(res.genres, ['Action', 'Drama', 'Horror']);
    const m = byPath(res.images);
    assert.deepEqual(m.get('train/tt1.jpg'), { ...m.get('train/tt1.jpg')!, posterId: 'tt1', split: 'train', genres: ['Action', 'Horror'], format: 'jpeg' });
    assert.equal(m.get('train/tt2.jpg')!.format, 'png');
    assert.deepEqual(m.get('train/tt2.jpg')!.genres, ['Drama']);
    assert.equal(m.get('train/tt3')!.format, 'webp');
    assert.deepEqual(m.get('train/tt3')!.genres, [], 'a row with no genre is labelled, with none');
    assert.equal(m.get('val/tt4.jpg')!.split, 'val');
    assert.equal(m.get('predict/p1.jpg')!.split, 'predict');
    assert.equal(m.get('predict/p1.jpg')!.genres, null, 'predict/ without a CSV is unlabelled, not an error');
    assert.deepEqual(res.report.counts, {});
    assert.equal(res.report.totals.labelled, 4);
    assert.deepEqual(
      res.labelCsvs.map((c) => [c.relPath, c.split, c.idColumn, c.listColumn]),
      [
        ['train/metadata.csv', 'train', 'Id', 'Genre'],
        ['val/metadata.csv', 'val', 'Id', 'Genre'],
      ],
    );
  } finally {
    t.cleanup();
  }
});

test('tutorial layout: every kind of bad input is reported with file and line, the rest loads', async () => {
  const t = tempFolder();
  try {
    const r = t.dir;
    for (const [i, id] of ['a1', 'a2', 'a3', 'a5', 'a6', 'a7', 'unlisted'].entries()) await writeImage(path.join(r, `train/${id}.jpg`), 'jpeg', i + 1);
    await writeImage(path.join(r, 'val/a1.jpg'), 'jpeg', 50);
    writeText(path.join(r, 'train/notes.jpg'), 'this is not an image');
    writeText(path.join(r, 'train/empty.jpg'), '');
    await writeImage(path.join(r, 'stray.jpg'), 'jpeg', 60);
    writeText(
      path.join(r, 'train/metadata.csv'),
      [
        'Id,Genre,Action,Drama', //                          1
        'a1,"[\'Action\']",1,0', //                          2 fine
        'a2,"[\'Drama\']",0', //                             3 too few cells
        'ghost,"[\'Drama\']",0,1', //                        4 id without image
        'a1,"[\'Drama\']",0,1', //                           5 duplicate id
        "a3,\"['Action', 'Western']\",1,0", //               6 Western has no column
        'a5,"[]",2,x', //                                    7 cells not 0/1
        ',"[\'Drama\']",0,1', //                             8 empty id
        'a6,"[\'Drama\']",1,0', //                           9 list and columns disagree
        'a7,"broken"quote,0,1', //                           10 csv-parse rejects it
        'notes,"[\'Drama\']",0,1', //                        11 row for a file that is not an image
        '',
      ].join('\n'),
    );
    writeText(path.join(r, 'val/metadata.csv'), 'Id,Genre,Action,Drama\na1,"[\'Drama\']",0,1\n');

    const res = readLayout(r, await scanLibraryFiles(r));
    const c = res.report.counts;
    assert.equal(res.layout, 'tutorial');
    assert.equal(c['malformed-row'], 2, JSON.stringify(res.report.issues));
    assert.equal(c['missing-image'], 1);
    assert.equal(c['duplicate-id'], 2, 'a1 twice in train, and a1 again in val');
    assert.equal(c['unknown-genre'], 1);
    assert.equal(c['bad-label-value'], 2);
    assert.equal(c['missing-id'], 1);
    assert.equal(c['genre-mismatch'], 1);
    assert.equal(c['not-an-image'], 2, 'notes.jpg (text) and empty.jpg (0 bytes)');
    assert.equal(c['unlisted-image'], 4, 'train/unlisted.jpg, a2 and a7 (their rows were broken) and stray.jpg');

    const issue = (kind: string) => res.report.issues.find((i) => i.kind === kind)!;
    assert.deepEqual([issue('missing-image').file, issue('missing-image').line], ['train/metadata.csv', 4]);
    assert.equal(issue('duplicate-id').line, 5);
    assert.match(issue('unknown-genre').message, /Western/);
    assert.equal(issue('unknown-genre').line, 6);
    assert.equal(issue('bad-label-value').line, 7);
    assert.equal(res.report.issues.find((i) => i.kind === 'malformed-row' && i.line === 3)?.file, 'train/metadata.csv');

    const m = byPath(res.images);
    assert.deepEqual(m.get('train/a1.jpg')!.genres, ['Action'], 'first row of a duplicated id wins');
    assert.deepEqual(m.get('train/a3.jpg')!.genres, ['Action'], 'unknown genre dropped, known one kept');
    assert.deepEqual(m.get('train/a5.jpg')!.genres, [], 'odd cells read as 0');
    assert.deepEqual(m.get('train/a6.jpg')!.genres, ['Action'], 'columns win over the list');
    assert.equal(m.get('train/unlisted.jpg')!.genres, null);
    assert.equal(m.get('stray.jpg')!.split, null);
    assert.equal(m.get('train/notes.jpg')!.format, null, 'broken files stay visible, marked');
    assert.equal(m.get('val/a1.jpg')!.split, 'val');
  } finally {
    t.cleanup();
  }
});

test('tutorial layout: Id and Genre only (no 0/1 columns) takes the vocabulary from the lists', async () => {
  const t = tempFolder();
  try {
    await writeImage(path.join(t.dir, 'train/x.jpg'));
    await writeImage(path.join(t.dir, 'train/y.jpg'), 'jpeg', 2);
    writeText(path.join(t.dir, 'train/metadata.csv'), "Id,Genre\nx,\"['Sci-Fi', 'Drama']\"\ny,\"['drama']\"\n");
    const res = readLayout(t.dir, await scanLibraryFiles(t.dir));
    assert.deepEqual(res.genres, ['Drama', 'Sci-Fi']);
    assert.deepEqual(byPath(res.images).get('train/y.jpg')!.genres, ['Drama'], 'case folded onto the first spelling');
  } finally {
    t.cleanup();
  }
});

test('an unreadable CSV is reported and its images load unlabelled', async () => {
  const t = tempFolder();
  try {
    await writeImage(path.join(t.dir, 'train/x.jpg'));
    writeText(path.join(t.dir, 'train/metadata.csv'), '');
    const res = readLayout(t.dir, await scanLibraryFiles(t.dir), 'tutorial');
    assert.equal(res.report.counts['csv-unreadable'], 1);
    assert.equal(res.images.length, 1);
    assert.equal(res.images[0].genres, null);
  } finally {
    t.cleanup();
  }
});
