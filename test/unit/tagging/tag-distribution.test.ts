// After a tagging job: posters tagged per genre next to the genre's training share, and the far-off ones flagged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { distributionFlag } from '../../../main/tagging/tag-distribution';
import { writePredictions } from '../../../main/tagging/predictions-repo';
import { createRun, setRunStatus } from '../../../main/runs/runs-repo';
import { trainConfig } from '../../../main/ml/head';
import { openIndexed, testBackend } from '../../helpers/backend';
import { tempDir } from '../../helpers/temp';
import { writeImage } from '../library/helpers';

test('flags: far more or far less than the training share, by a real margin of share and posters', () => {
  assert.equal(distributionFlag(57, 100, 0.035), 'over'); // the 57% against 3.5%
  assert.equal(distributionFlag(2, 100, 0.1), 'under'); // 2% against 10%: 8 points and 8 posters fewer
  assert.equal(distributionFlag(10, 100, 0), 'over'); // a genre the training labels never had
  assert.equal(distributionFlag(12, 100, 0.1), null); // 1.2×: not far off
  assert.equal(distributionFlag(0, 100, 0.04), null); // 4 points: under the 5-point gap
  assert.equal(distributionFlag(3, 4, 0.3), null); // 75% vs 30%, but only 1.8 posters more than expected
  assert.equal(distributionFlag(4, 4, 0.3), 'over'); // 2.8 posters more
  assert.equal(distributionFlag(20, 100, 0.1), 'over'); // exactly 2× and 10 points
  assert.equal(distributionFlag(5, 100, 0.1), 'under'); // exactly half, 5 points, 5 posters
  assert.equal(distributionFlag(5, 100, null), null); // no training share known
  assert.equal(distributionFlag(0, 0, 0.2), null);
});

test("tag:distribution counts what the gallery's predicted-genre filter shows, rejected tags excluded", async (t) => {
  const b = testBackend();
  t.after(() => b.close());
  const root = path.join(tempDir(), 'mine');
  for (let i = 0; i < 10; i++) await writeImage(path.join(root, `p${i}.jpg`), 'jpeg', 40 + i);
  await writeImage(path.join(root, 'copy of p0.jpg'), 'jpeg', 40); // same content as p0: one prediction, two gallery cards
  const lib = await openIndexed(b, root);
  const genres = ['Action', 'Drama', 'Horror'];
  const run = createRun(b.db, { dataset: 'x', backbone: 'mobilenet_v2', genres, config: trainConfig({}), seed: 1 });
  // Evaluated on 200 posters: Action 10%, Drama 50%, Horror 40%.
  const perGenre = [20, 100, 80].map((support, j) => ({ genre: genres[j], support }));
  setRunStatus(b.db, run.id, 'done', { metrics: { metrics: { n: 200, perGenre } } });

  const images = b.db.prepare('SELECT id, hash, rel_path AS rel FROM images WHERE library_id = ? ORDER BY rel_path').all(lib.id) as {
    id: number;
    hash: string;
    rel: string;
  }[];
  const hashes = [...new Set(images.map((i) => i.hash))];
  assert.equal(hashes.length, 10);
  // Action on 8 contents (9 cards with the copy: 90% vs 10%, over), Drama on 5 (6 cards, one tag rejected: 5 of 10,
  // as trained), Horror on none (0% vs 40%: under). The 10th content has no prediction.
  writePredictions(
    b.db,
    run.id,
    genres,
    hashes
      .slice(0, 9)
      .map((hash, k) => ({ hash, scores: new Float32Array([0.9, 0.5, 0.1]), tags: [...(k < 8 ? ['Action'] : []), ...(k < 5 ? ['Drama'] : [])] })),
  );
  const taggedDrama = images.find((i) => i.hash === hashes[1])!;
  await b.call('predictions:reject', { runId: run.id, imageId: taggedDrama.id, genre: 'Drama' });

  const d = await b.call('tag:distribution', { runId: run.id, libraryIds: [lib.id] });
  assert.equal(d.posters, 10); // posters with a prediction, counted as the gallery lists them
  assert.equal(d.trainingPosters, 200);
  assert.deepEqual(
    d.genres.map((g) => [g.genre, g.tagged, g.trainingShare, g.flag]),
    [
      ['Action', 9, 0.1, 'over'],
      ['Drama', 5, 0.5, null],
      ['Horror', 0, 0.4, 'under'],
    ],
  );
  assert.equal(d.genres[0].taggedShare, 9 / 10);
  for (const g of d.genres) {
    const shown = await b.call('posters:ids', { libraryId: lib.id, runId: run.id, predictedGenre: g.genre });
    assert.equal(shown.total, g.tagged, `${g.genre}: the click-through shows as many posters as the bar`);
  }
  await assert.rejects(b.call('tag:distribution', { runId: 999, libraryIds: [lib.id] }), /no run #999/);
});
