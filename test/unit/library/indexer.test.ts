import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { indexLibrary } from '../../../main/library/indexer';
import { openLibrary } from '../../../main/library/library-repo';
import { posterDetail, queryPosters, setPosterLabels } from '../../../main/library/gallery-queries';
import { findThumbnail } from '../../../main/library/thumbnails';
import { CancelledError } from '../../../main/core/errors';
import { standaloneJobContext, type JobProgress } from '../../../main/jobs/types';
import { metadataCsv, testDb, writeHugeHeaderJpeg, writeImage, writeText, writeTruncatedJpeg } from './helpers';
import { tempFolder } from '../../helpers/temp';

async function tutorialLibrary(root: string, n: number) {
  const rows: [string, string[]][] = [];
  for (let i = 0; i < n; i++) {
    const id = `tt${String(i).padStart(4, '0')}`;
    await writeImage(path.join(root, `train/${id}.jpg`), 'jpeg', i + 1);
    rows.push([id, i % 2 ? ['Drama'] : ['Action', 'Horror']]);
  }
  writeText(path.join(root, 'train/metadata.csv'), metadataCsv(['Action', 'Drama', 'Horror'], rows));
}

function setup() {
  const t = tempFolder();
  const root = path.join(t.dir, 'posters');
  const thumbs = path.join(t.dir, 'data/thumbnails');
  fs.mkdirSync(root);
  const db = testDb(t.dir);
  return {
    t,
    root,
    thumbs,
    db,
    done: () => {
      db.close();
      t.cleanup();
    },
  };
}

test('indexing: rows, labels, thumbnails, and corrupt files recorded without stopping', async () => {
  const s = setup();
  try {
    await tutorialLibrary(s.root, 6);
    writeText(path.join(s.root, 'train/empty.jpg'), '');
    await writeTruncatedJpeg(path.join(s.root, 'train/truncated.jpg'));
    await writeHugeHeaderJpeg(path.join(s.root, 'train/huge.jpg'));
    writeText(path.join(s.root, 'train/text.jpg'), 'hello');
    const lib = openLibrary(s.db, s.root);
    const progress: JobProgress[] = [];
    const batches: number[] = [];
    const res = await indexLibrary(s.db, lib.id, standaloneJobContext({ onProgress: (p) => progress.push(p) }), {
      thumbnailsDir: s.thumbs,
      firstBatchSize: 2,
      batchSize: 3,
      onBatch: (n) => batches.push(n),
    });
    assert.equal(res.layout, 'tutorial');
    assert.equal(res.files, 10);
    assert.equal(res.processed, 10);
    assert.equal(res.failed, 4);
    assert.equal(batches[0], 2, 'a small first batch becomes visible first');
    assert.ok(batches.length >= 3, 'written in several transactions');
    assert.equal(progress.at(-1)!.phase, 'Done');
    assert.ok(progress.some((p) => p.phase === 'Reading posters' && p.total === 10));

    const page = queryPosters(s.db, { libraryId: lib.id, limit: 100 });
    assert.equal(page.total, 10);
    const byPath = new Map(page.items.map((i) => [i.relPath, i]));
    const good = byPath.get('train/tt0000.jpg')!;
    assert.deepEqual([good.width, good.height, good.thumbStatus, good.error], [24, 36, 'ready', null]);
    assert.deepEqual(good.genres, ['Action', 'Horror']);
    assert.ok(findThumbnail(s.thumbs, good.hash!), 'thumbnail cached by content hash');
    assert.match(byPath.get('train/empty.jpg')!.error!, /empty file/);
    assert.match(byPath.get('train/truncated.jpg')!.error!, /decode/);
    assert.equal(byPath.get('train/truncated.jpg')!.thumbStatus, 'failed');
    const huge = byPath.get('train/huge.jpg')!;
    assert.deepEqual([huge.width, huge.height], [20000, 20000]);
    assert.match(huge.error!, /too large/);
    assert.match(byPath.get('train/text.jpg')!.error!, /not a JPEG/);
    const c = res.report.counts;
    assert.equal(c['not-an-image'], 2);
    assert.equal(c['decode-failed'], 1);
    assert.equal(c['image-too-large'], 1);
    assert.equal(queryPosters(s.db, { libraryId: lib.id, broken: true }).total, 4);
  } finally {
    s.done();
  }
});

test('re-indexing reads only new or changed files, follows CSV edits, drops removed files', async () => {
  const s = setup();
  try {
    await tutorialLibrary(s.root, 5);
    const lib = openLibrary(s.db, s.root);
    const ctx = standaloneJobContext();
    const opts = { thumbnailsDir: s.thumbs };
    await indexLibrary(s.db, lib.id, ctx, opts);

    const again = await indexLibrary(s.db, lib.id, ctx, opts);
    assert.deepEqual([again.processed, again.unchanged, again.removed], [0, 5, 0]);

    // One file replaced by other content (different size), one removed, one added, one relabelled in the CSV.
    await writeImage(path.join(s.root, 'train/tt0001.jpg'), 'jpeg', 77, 30, 45);
    fs.rmSync(path.join(s.root, 'train/tt0002.jpg'));
    await writeImage(path.join(s.root, 'train/tt0009.jpg'), 'jpeg', 9);
    const csvPath = path.join(s.root, 'train/metadata.csv');
    fs.writeFileSync(csvPath, fs.readFileSync(csvPath, 'utf8').replace('tt0003,"[\'Drama\']",0,1,0', 'tt0003,"[\'Horror\']",0,0,1'));
    const third = await indexLibrary(s.db, lib.id, ctx, opts);
    assert.deepEqual([third.processed, third.removed], [2, 1]);
    const items = new Map(queryPosters(s.db, { libraryId: lib.id }).items.map((i) => [i.relPath, i]));
    assert.equal(items.size, 5);
    assert.equal(items.get('train/tt0001.jpg')!.width, 30);
    assert.equal(items.has('train/tt0002.jpg'), false);
    assert.deepEqual(items.get('train/tt0003.jpg')!.genres, ['Horror']);
    assert.equal(items.get('train/tt0009.jpg')!.labelsSource, null, 'no row: unlabelled');
    assert.equal(third.report.counts['unlisted-image'], 1);
    assert.equal(third.report.counts['missing-image'], 1, 'tt0002 still has a row');
  } finally {
    s.done();
  }
});

test('labels set in the app survive re-indexing, follow a renamed file, and are reported when the file is gone', async () => {
  const s = setup();
  try {
    await tutorialLibrary(s.root, 4);
    const lib = openLibrary(s.db, s.root);
    const ctx = standaloneJobContext();
    const opts = { thumbnailsDir: s.thumbs };
    await indexLibrary(s.db, lib.id, ctx, opts);
    const id = (p: string) => queryPosters(s.db, { libraryId: lib.id, search: p }).items[0].id;
    setPosterLabels(s.db, id('tt0000'), ['Drama']);
    setPosterLabels(s.db, id('tt0001'), ['Horror', 'Action']);
    fs.writeFileSync(path.join(s.root, 'train/metadata.csv'), fs.readFileSync(path.join(s.root, 'train/metadata.csv'), 'utf8') + '\n');
    fs.utimesSync(path.join(s.root, 'train/tt0000.jpg'), new Date(), new Date(Date.now() + 5000)); // "changed"
    await indexLibrary(s.db, lib.id, ctx, opts);
    const d0 = posterDetail(s.db, id('tt0000'));
    assert.deepEqual(d0.labels, [{ genre: 'Drama', source: 'user' }]);

    fs.renameSync(path.join(s.root, 'train/tt0000.jpg'), path.join(s.root, 'train/renamed.jpg'));
    fs.rmSync(path.join(s.root, 'train/tt0001.jpg'));
    const res = await indexLibrary(s.db, lib.id, ctx, opts);
    const moved = posterDetail(s.db, id('renamed'));
    assert.deepEqual(moved.labels, [{ genre: 'Drama', source: 'user' }], 'same content: labels follow the file');
    const lost = res.report.issues.filter((i) => i.kind === 'removed-with-user-labels');
    assert.equal(lost.length, 1);
    assert.equal(lost[0].file, 'train/tt0001.jpg');
    assert.match(lost[0].message, /Action, Horror/);
  } finally {
    s.done();
  }
});

test('indexing can be cancelled; what was read stays and the next run finishes the rest', async () => {
  const s = setup();
  try {
    await tutorialLibrary(s.root, 30);
    const lib = openLibrary(s.db, s.root);
    const ac = new AbortController();
    const ctx = standaloneJobContext({ signal: ac.signal });
    const run = indexLibrary(s.db, lib.id, ctx, {
      thumbnailsDir: s.thumbs,
      concurrency: 2,
      firstBatchSize: 5,
      onBatch: (n) => {
        if (n >= 5) ac.abort();
      },
    });
    await assert.rejects(run, CancelledError);
    const kept = queryPosters(s.db, { libraryId: lib.id }).total;
    assert.ok(kept >= 5 && kept < 30, `kept ${kept}`);
    const res = await indexLibrary(s.db, lib.id, standaloneJobContext(), { thumbnailsDir: s.thumbs });
    assert.equal(res.processed, 30 - kept);
    assert.equal(queryPosters(s.db, { libraryId: lib.id }).total, 30);
  } finally {
    s.done();
  }
});

test('genre folders: the same poster in several folders (by name or by content) is one gallery entry', async () => {
  const s = setup();
  try {
    await writeImage(path.join(s.root, 'Action/heat.jpg'), 'jpeg', 1);
    await writeImage(path.join(s.root, 'Crime/heat.jpg'), 'jpeg', 1);
    await writeImage(path.join(s.root, 'Drama/heat-copy.jpg'), 'jpeg', 1); // same bytes, other name
    await writeImage(path.join(s.root, 'Horror/alien.jpg'), 'jpeg', 2);
    const lib = openLibrary(s.db, s.root);
    await indexLibrary(s.db, lib.id, standaloneJobContext(), { thumbnailsDir: s.thumbs });
    const page = queryPosters(s.db, { libraryId: lib.id });
    assert.deepEqual(
      page.items.map((i) => [i.relPath, i.genres]),
      [
        ['Action/heat.jpg', ['Action', 'Crime', 'Drama']],
        ['Horror/alien.jpg', ['Horror']],
      ],
    );
    assert.deepEqual(posterDetail(s.db, page.items[0].id).duplicates, ['Crime/heat.jpg', 'Drama/heat-copy.jpg']);
    assert.equal(queryPosters(s.db, { libraryId: lib.id, genres: ['Drama'] }).total, 1);
  } finally {
    s.done();
  }
});

test('a library whose folder vanished fails with a clear message', async () => {
  const s = setup();
  try {
    const lib = openLibrary(s.db, s.root);
    fs.rmSync(s.root, { recursive: true });
    await assert.rejects(indexLibrary(s.db, lib.id, standaloneJobContext(), { thumbnailsDir: s.thumbs }), /library folder is missing/);
  } finally {
    s.done();
  }
});

// QA 20: posters inserted above the ones already shown, so the grid shifted while indexing ran.
test('indexing writes in gallery order: each batch appends after the posters already shown', async () => {
  const s = setup();
  try {
    const rows: [string, string[]][] = [];
    for (let i = 0; i < 30; i++) {
      const id = `tt${String(i).padStart(4, '0')}`;
      await writeImage(path.join(s.root, `train/${id}.jpg`), 'jpeg', i + 1, 24 + (i % 7) * 40, 36 + (i % 5) * 50);
      rows.push([id, ['Drama']]);
    }
    // The CSV lists them backwards (and the decodes finish in any order).
    writeText(path.join(s.root, 'train/metadata.csv'), metadataCsv(['Drama'], rows.reverse()));
    const lib = openLibrary(s.db, s.root);
    const seen: string[][] = [];
    await indexLibrary(s.db, lib.id, standaloneJobContext({}), {
      thumbnailsDir: s.thumbs,
      firstBatchSize: 2,
      batchSize: 3,
      concurrency: 6,
      onBatch: () => seen.push(queryPosters(s.db, { libraryId: lib.id, limit: 1000 }).items.map((i) => i.relPath)),
    });
    assert.ok(seen.length >= 5, `${seen.length} batches`);
    for (let b = 1; b < seen.length; b++) {
      assert.deepEqual(seen[b].slice(0, seen[b - 1].length), seen[b - 1], `batch ${b} inserted above the shown posters`);
    }
    assert.equal(seen.at(-1)!.length, 30);
  } finally {
    s.done();
  }
});
