// The side panel's heatmap: posters per pair of genres, as the gallery's "all of these genres" filter counts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openIndexed, testBackend } from '../../helpers/backend';
import { tempDir } from '../../helpers/temp';
import { metadataCsv, writeImage, writeText } from './helpers';

test('genres:cooccurrence counts posters per pair of genres, per split, and matches the gallery filter', async (t) => {
  const b = testBackend();
  t.after(() => b.close());
  const root = path.join(tempDir(), 'posters');
  const genres = ['Action', 'Comedy', 'Drama'];
  const train: [string, string[]][] = [
    ['t1', ['Action', 'Comedy']],
    ['t2', ['Action', 'Comedy', 'Drama']],
    ['t3', ['Drama']],
    ['t4', []],
  ];
  const val: [string, string[]][] = [
    ['v1', ['Action', 'Drama']],
    ['v2', ['Comedy']],
  ];
  let seed = 1;
  for (const [split, rows] of [
    ['train', train],
    ['val', val],
  ] as const) {
    writeText(path.join(root, split, 'metadata.csv'), metadataCsv(genres, rows));
    for (const [id] of rows) await writeImage(path.join(root, split, `${id}.jpg`), 'jpeg', seed++);
  }
  const lib = await openIndexed(b, root);

  const all = await b.call('genres:cooccurrence', { libraryId: lib.id });
  assert.deepEqual(all.genres, genres);
  // Action: t1 t2 v1; Comedy: t1 t2 v2; Drama: t2 t3 v1. Action+Comedy: t1 t2; Action+Drama: t2 v1; Comedy+Drama: t2.
  assert.deepEqual(all.counts, [
    [3, 2, 2],
    [2, 3, 1],
    [2, 1, 3],
  ]);
  assert.equal(all.posters, 5); // t4 has no genre

  const trainOnly = await b.call('genres:cooccurrence', { libraryId: lib.id, split: 'train' });
  assert.deepEqual(trainOnly.counts, [
    [2, 2, 1],
    [2, 2, 1],
    [1, 1, 2],
  ]);
  assert.equal(trainOnly.posters, 3);

  for (const [a, b2] of [
    [0, 1],
    [0, 2],
    [1, 2],
    [2, 2],
  ]) {
    const shown = await b.call('posters:query', { libraryId: lib.id, genres: [genres[a], genres[b2]], genreMode: 'all', limit: 1 });
    assert.equal(shown.total, all.counts[a][b2], `${genres[a]} + ${genres[b2]}: a cell shows as many posters as it says`);
  }
  await assert.rejects(b.call('genres:cooccurrence', { libraryId: 999 }), /999|no library/i);
});
