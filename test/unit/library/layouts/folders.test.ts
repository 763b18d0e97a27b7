import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { scanLibraryFiles } from '../../../../main/library/file-scan';
import { readLayout, detectLayout } from '../../../../main/library/layouts';
import { parseGenreList, detectListStyle, formatGenreList } from '../../../../main/library/genre-list';
import { imageBytes, writeImage, writeText } from '../helpers';
import { tempFolder } from '../../../helpers/temp';

test('genre folders: one folder per genre, the same file name in several is one poster', async () => {
  const t = tempFolder();
  try {
    const r = t.dir;
    await writeImage(path.join(r, 'Action/heat.jpg'), 'jpeg', 1);
    await writeImage(path.join(r, 'Crime/heat.jpg'), 'jpeg', 1);
    await writeImage(path.join(r, 'Crime/nested/deeper/se7en.png'), 'png', 2);
    await writeImage(path.join(r, 'Horror/alien.webp'), 'webp', 3);
    await writeImage(path.join(r, 'loose.jpg'), 'jpeg', 4);
    writeText(path.join(r, 'Horror/readme.txt'), 'not an image, not reported');
    const scan = await scanLibraryFiles(r);
    assert.equal(detectLayout(r, scan).layout, 'genre-folders');
    const res = readLayout(r, scan);
    assert.deepEqual(res.genres, ['Action', 'Crime', 'Horror']);
    assert.equal(res.groupPosters, true);
    const m = new Map(res.images.map((i) => [i.relPath, i]));
    assert.deepEqual(m.get('Action/heat.jpg')!.genres, ['Action', 'Crime']);
    assert.equal(m.get('Crime/heat.jpg')!.posterId, 'heat');
    assert.deepEqual(m.get('Crime/nested/deeper/se7en.png')!.genres, ['Crime']);
    assert.equal(m.get('loose.jpg')!.genres, null);
    assert.equal(res.report.counts['unlisted-image'], 1);
    assert.equal(res.images.length, 5);
  } finally {
    t.cleanup();
  }
});

test('plain folder tree: no labels, recursion, formats by content, hidden and non-image files skipped', async () => {
  const t = tempFolder();
  try {
    const r = t.dir;
    await writeImage(path.join(r, '2019/a.jpg'), 'jpeg', 1);
    await writeImage(path.join(r, '2020/q1/b.jpeg'), 'png', 2);
    fs.writeFileSync(path.join(r, '2020/c'), await imageBytes('webp', 3)); // no extension, still an image
    writeText(path.join(r, '2020/d'), 'plain text without extension'); // silently not ours
    await writeImage(path.join(r, '.hidden/x.jpg'), 'jpeg', 5);
    writeText(path.join(r, 'notes.txt'), 'hello');
    writeText(path.join(r, 'anim.gif'), 'GIF89a....');
    const scan = await scanLibraryFiles(r);
    const res = readLayout(r, scan);
    assert.equal(res.layout, 'plain');
    assert.deepEqual(
      res.images.map((i) => [i.relPath, i.format, i.genres]),
      [
        ['2019/a.jpg', 'jpeg', null],
        ['2020/c', 'webp', null],
        ['2020/q1/b.jpeg', 'png', null],
      ],
    );
    assert.equal(res.report.counts['not-an-image'], 1, 'the .gif is reported as unsupported');
    assert.deepEqual(res.genres, []);
  } finally {
    t.cleanup();
  }
});

test('plain layout keeps split folders as splits when there is no CSV', async () => {
  const t = tempFolder();
  try {
    await writeImage(path.join(t.dir, 'train/a.jpg'));
    await writeImage(path.join(t.dir, 'val/b.jpg'), 'jpeg', 2);
    const res = readLayout(t.dir, await scanLibraryFiles(t.dir));
    assert.equal(res.layout, 'plain');
    assert.deepEqual(
      res.images.map((i) => i.split),
      ['train', 'val'],
    );
  } finally {
    t.cleanup();
  }
});

test('genre lists: python, JSON, pipe, semicolon and comma forms; written back in the same style', () => {
  assert.deepEqual(parseGenreList("['Horror', 'Thriller']"), ['Horror', 'Thriller']);
  assert.deepEqual(parseGenreList('["Sci-Fi","Drama"]'), ['Sci-Fi', 'Drama']);
  assert.deepEqual(parseGenreList('Action|Crime'), ['Action', 'Crime']);
  assert.deepEqual(parseGenreList('Action; Crime'), ['Action', 'Crime']);
  assert.deepEqual(parseGenreList(' Action, Crime ,Action'), ['Action', 'Crime']);
  assert.deepEqual(parseGenreList('[]'), []);
  assert.deepEqual(parseGenreList(''), []);
  for (const cell of ["['Horror', 'Thriller']", '["Sci-Fi","Drama"]', 'Action|Crime', 'Action, Crime']) {
    assert.equal(formatGenreList(parseGenreList(cell), detectListStyle(cell)!), cell);
  }
});
