import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { indexLibrary } from '../../../main/library/indexer';
import { openLibrary } from '../../../main/library/library-repo';
import { queryPosters, setPosterLabels } from '../../../main/library/gallery-queries';
import { standaloneJobContext } from '../../../main/jobs/types';
import { createRun } from '../../../main/runs/runs-repo';
import { acceptPredictions, rejectPrediction, writePredictions } from '../../../main/tagging/predictions-repo';
import { trainingData } from '../../../main/training/training-data';
import { stableSplits } from '../../../main/training/stable-split';
import { addGenre } from '../../../main/library/vocabulary';
import type { Db } from '../../../main/db/database';
import { metadataCsv, testDb, writeImage, writeText } from '../library/helpers';
import { tempFolder } from '../../helpers/temp';

async function index(db: Db, dir: string, root: string) {
  const lib = openLibrary(db, root);
  fs.mkdirSync(path.join(dir, 'thumbs'), { recursive: true });
  await indexLibrary(db, lib.id, standaloneJobContext(), { thumbnailsDir: path.join(dir, 'thumbs') });
  return lib.id;
}

const byPoster = (posters: { posterId: string; genres: string[] }[]) => Object.fromEntries(posters.map((p) => [p.posterId, p.genres]));

test('labels from metadata.csv, gallery edits and accepted predictions all reach the training set; a rejection is a negative', async () => {
  const t = tempFolder();
  const db = testDb(t.dir);
  try {
    // Library A: the tutorial layout, tt1-tt3 labelled in train/metadata.csv, tt4 unlabelled, v1 in val/.
    const a = path.join(t.dir, 'a');
    for (const [i, id] of ['tt1', 'tt2', 'tt3', 'tt4'].entries()) await writeImage(path.join(a, `train/${id}.jpg`), 'jpeg', i + 1);
    await writeImage(path.join(a, 'val/v1.jpg'), 'jpeg', 9);
    const rows: [string, string[]][] = [
      ['tt1', ['Action']],
      ['tt2', ['Drama']],
      ['tt3', ['Action', 'Drama']],
    ];
    writeText(path.join(a, 'train/metadata.csv'), metadataCsv(['Action', 'Drama'], rows));
    writeText(path.join(a, 'val/metadata.csv'), metadataCsv(['Action', 'Drama'], [['v1', ['Drama']]]));
    // Library B: a plain folder, nothing labelled.
    const b = path.join(t.dir, 'b');
    for (let i = 0; i < 3; i++) await writeImage(path.join(b, `p${i}.jpg`), 'jpeg', 20 + i);
    const libA = await index(db, t.dir, a);
    const libB = await index(db, t.dir, b);

    const before = trainingData(db, [libA, libB], { mode: 'all' });
    assert.deepEqual(byPoster(before.train), { tt1: ['Action'], tt2: ['Drama'], tt3: ['Action', 'Drama'] });
    assert.deepEqual(byPoster(before.val), { v1: ['Drama'] });
    assert.ok(
      before.notes.some((n) => /4 unlabelled posters were left out/.test(n)),
      before.notes.join(' | '),
    );

    const idOf = (lib: number, posterId: string) => queryPosters(db, { libraryId: lib }).items.find((p) => p.posterId === posterId)!.id;
    // A gallery edit in the other library (its genres added as in the gallery).
    for (const g of ['Action', 'Drama']) addGenre(db, libB, g);
    setPosterLabels(db, idOf(libB, 'p0'), ['Action']);
    // An accepted prediction: a run predicts p1 as Drama and the user accepts it.
    const run = createRun(db, { libraryId: libA, dataset: 'x', backbone: 'fake', genres: ['Action', 'Drama'], config: {}, seed: 1 });
    const hashOf = (id: number) => db.prepare('SELECT hash FROM images WHERE id = ?').pluck().get(id) as string;
    writePredictions(db, run.id, ['Action', 'Drama'], [{ hash: hashOf(idOf(libB, 'p1')), scores: new Float32Array([0.1, 0.9]), tags: ['Drama'] }]);
    acceptPredictions(db, run.id, [idOf(libB, 'p1')]);
    // A rejected prediction overrules an imported label: tt3 is "not Action".
    writePredictions(db, run.id, ['Action', 'Drama'], [{ hash: hashOf(idOf(libA, 'tt3')), scores: new Float32Array([0.8, 0.9]), tags: ['Action', 'Drama'] }]);
    rejectPrediction(db, run.id, idOf(libA, 'tt3'), 'Action');

    const after = trainingData(db, [libA, libB], { mode: 'all' });
    const all = [...after.train, ...after.val];
    assert.deepEqual(byPoster(all), { tt1: ['Action'], tt2: ['Drama'], tt3: ['Drama'], v1: ['Drama'], p0: ['Action'], p1: ['Drama'] });
    const tt3 = all.find((p) => p.posterId === 'tt3')!;
    assert.deepEqual(tt3.rejected, ['Action']);
    assert.ok(after.notes.some((n) => /1 label was overruled by a rejected prediction/.test(n)));
    // Layout splits are kept; the plain folder's posters get a stored side.
    assert.equal(all.find((p) => p.posterId === 'tt1')!.splitSource, 'layout');
    for (const id of ['p0', 'p1']) assert.equal(all.find((p) => p.posterId === id)!.splitSource, 'assigned');
    assert.equal(after.libraryName, 'a + b');
    assert.deepEqual(after.libraryIds, [libA, libB]);
  } finally {
    db.close();
    t.cleanup();
  }
});

const fakeHash = (i: number) => (i * 2654435761).toString(16).padStart(12, '0') + String(i).padStart(8, '0');

test('stable split: stratified by rarest genre, and no poster ever changes side as posters are added', () => {
  const t = tempFolder();
  const db = testDb(t.dir);
  try {
    const genresOf = (i: number) => (i % 10 === 0 ? ['Western'] : i % 3 === 0 ? ['Drama', 'Comedy'] : ['Drama']);
    const posters = (n: number) => Array.from({ length: n }, (_, i) => ({ hash: fakeHash(i), genres: genresOf(i) }));
    const first = stableSplits(db, posters(200));
    const share = (sides: Map<string, string>, genre: string, n: number) => {
      const with_ = posters(n).filter((p) => p.genres.includes(genre));
      return with_.filter((p) => sides.get(p.hash) === 'val').length / with_.length;
    };
    for (const g of ['Western', 'Drama', 'Comedy']) assert.ok(Math.abs(share(first, g, 200) - 0.15) < 0.05, `${g}: ${share(first, g, 200)}`);
    // Twice as many posters later, a few added at a time: every earlier side is kept, the new ones are stratified too.
    let sides = first;
    for (let n = 220; n <= 400; n += 20) sides = stableSplits(db, posters(n));
    for (const [hash, side] of first) assert.equal(sides.get(hash), side, 'a poster kept its side');
    for (const g of ['Western', 'Drama', 'Comedy']) assert.ok(Math.abs(share(sides, g, 400) - 0.15) < 0.05, `${g}: ${share(sides, g, 400)}`);
    // A dry run stores nothing.
    const dry = stableSplits(db, [{ hash: 'f'.repeat(64), genres: ['Drama'] }], { dryRun: true });
    assert.equal(dry.size, 1);
    assert.equal(db.prepare('SELECT COUNT(*) FROM holdout_splits WHERE hash = ?').pluck().get('f'.repeat(64)), 0);
  } finally {
    db.close();
    t.cleanup();
  }
});
