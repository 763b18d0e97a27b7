import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hashFile } from '../../../../main/core/content-hash';
import { CancelledError } from '../../../../main/core/errors';
import { standaloneJobContext, type JobProgress } from '../../../../main/jobs/types';
import { decodeViews } from '../../../../main/ml/features/decode';
import { fakeEmbedding } from '../../../../main/ml/features/fake-backbone';
import { embedImages } from '../../../../main/ml/features/pipeline';
import { closeIdleWorkers } from '../../../../main/ml/features/worker-pool';
import { listEmbeddingFailures, loadEmbeddings } from '../../../../main/ml/features/embedding-store';
import { FAKE_MODULE, hugeHeaderJpeg, sandbox, writePosters } from './fixtures';
import { twoHalvesJpeg } from '../../../helpers/posters';

const FAKE = 'fake?size=16';
const opts = { backboneModule: FAKE_MODULE, batchSize: 4 };

after(() => closeIdleWorkers());

async function expected(file: string, view: 'original' | 'flipped'): Promise<Float32Array> {
  const px = (await decodeViews(fs.readFileSync(file), 16, [view])).get(view)!;
  return fakeEmbedding(px, 16);
}

test('embeds every file, then a second run finds everything cached and starts no worker', async () => {
  const s = sandbox();
  try {
    const files = await writePosters(s.dir, 10);
    const events: JobProgress[] = [];
    const ctx = standaloneJobContext({ onProgress: (p) => events.push(p) });
    const first = await embedImages(
      s.db,
      files.map((p) => ({ path: p })),
      FAKE,
      ctx,
      opts,
    );
    assert.equal(first.embedded, 10);
    assert.equal(first.cached, 0);
    assert.deepEqual(first.failed, []);

    // Stored vectors are exactly the backbone's output for the decoded poster, in the order asked.
    const hashes = await Promise.all(files.map(hashFile));
    const loaded = loadEmbeddings(s.db, [...hashes, 'not-a-hash'], FAKE, 'original');
    assert.equal(loaded.dim, 8);
    assert.deepEqual(loaded.missing, [...hashes.map(() => false), true]);
    assert.equal(loaded.missingCount, 1);
    for (let i = 0; i < files.length; i++) assert.deepEqual(loaded.vectors.subarray(i * 8, (i + 1) * 8), await expected(files[i], 'original'));
    assert.deepEqual(loaded.vectors.subarray(80, 88), new Float32Array(8));

    // Progress: counts only grow, end complete, phases say what happens.
    assert.ok(events.length >= 3);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].done >= events[i - 1].done);
    const last = events.at(-1)!;
    assert.deepEqual([last.done, last.failed, last.total], [10, 0, 10]);
    assert.ok(events.some((e) => /loading/i.test(e.phase)));
    assert.ok(events.some((e) => /embedding/i.test(e.phase)));

    const rowsBefore = s.db.prepare('SELECT hash, view, created_at FROM embeddings ORDER BY hash').all();
    const events2: JobProgress[] = [];
    // Without and with known hashes: nothing recomputed, no model loaded.
    for (const items of [files.map((p) => ({ path: p })), files.map((p, i) => ({ path: p, hash: hashes[i] }))]) {
      const again = await embedImages(s.db, items, FAKE, standaloneJobContext({ onProgress: (p) => events2.push(p) }), opts);
      assert.equal(again.embedded, 0);
      assert.equal(again.cached, 10);
    }
    assert.ok(!events2.some((e) => /loading/i.test(e.phase)), 'a fully cached run must not start the backbone');
    assert.deepEqual(s.db.prepare('SELECT hash, view, created_at FROM embeddings ORDER BY hash').all(), rowsBefore);
  } finally {
    s.cleanup();
  }
});

test('a run right after another reuses its loaded worker; keepWorkerMs 0 does not keep it', async () => {
  const s = sandbox();
  try {
    const id = 'fake?size=16&reuse=1'; // its own worker, whatever other tests left idle
    const first = await embedImages(
      s.db,
      (await writePosters(s.dir, 2, 100)).map((p) => ({ path: p })),
      id,
      standaloneJobContext(),
      opts,
    );
    const second = await embedImages(
      s.db,
      (await writePosters(s.dir, 2, 200)).map((p) => ({ path: p })),
      id,
      standaloneJobContext(),
      { ...opts, keepWorkerMs: 0 },
    );
    assert.equal(first.reusedWorker, false);
    assert.equal(second.reusedWorker, true);
    const third = await embedImages(
      s.db,
      (await writePosters(s.dir, 2, 300)).map((p) => ({ path: p })),
      id,
      standaloneJobContext(),
      opts,
    );
    assert.equal(third.reusedWorker, false, 'closed after a run with keepWorkerMs 0');
    assert.equal(second.embedded + third.embedded, 4);
  } finally {
    s.cleanup();
  }
});

test('a changed file gets a new hash and is embedded again', async () => {
  const s = sandbox();
  try {
    const files = await writePosters(s.dir, 3);
    await embedImages(
      s.db,
      files.map((p) => ({ path: p })),
      FAKE,
      standaloneJobContext(),
      opts,
    );
    const oldHash = await hashFile(files[1]);
    fs.writeFileSync(files[1], await twoHalvesJpeg(99));
    const newHash = await hashFile(files[1]);
    assert.notEqual(newHash, oldHash);
    const run = await embedImages(
      s.db,
      files.map((p) => ({ path: p })),
      FAKE,
      standaloneJobContext(),
      opts,
    );
    assert.deepEqual([run.embedded, run.cached], [1, 2]);
    const loaded = loadEmbeddings(s.db, [newHash], FAKE, 'original');
    assert.deepEqual(loaded.vectors, await expected(files[1], 'original'));

    // A stale hash from the caller (file edited after indexing) is refused, not cached under the old key.
    fs.writeFileSync(files[2], await twoHalvesJpeg(77));
    const stale = await embedImages(s.db, [{ path: files[2], hash: 'f'.repeat(64) }], FAKE, standaloneJobContext(), opts);
    assert.equal(stale.failed.length, 1);
    assert.match(stale.failed[0].reason, /changed since/i);
    assert.equal(loadEmbeddings(s.db, ['f'.repeat(64)], FAKE, 'original').missingCount, 1);
  } finally {
    s.cleanup();
  }
});

test('both views: the flipped embedding is that of the mirrored poster; adding a view embeds only it', async () => {
  const s = sandbox();
  try {
    const files = await writePosters(s.dir, 5);
    const only = await embedImages(
      s.db,
      files.map((p) => ({ path: p })),
      FAKE,
      standaloneJobContext(),
      opts,
    );
    assert.equal(only.embedded, 5);
    const both = await embedImages(
      s.db,
      files.map((p) => ({ path: p })),
      FAKE,
      standaloneJobContext(),
      { ...opts, views: ['original', 'flipped'] },
    );
    assert.deepEqual([both.embedded, both.cached], [5, 0]);
    const hashes = await Promise.all(files.map(hashFile));
    const orig = loadEmbeddings(s.db, hashes, FAKE, 'original');
    const flip = loadEmbeddings(s.db, hashes, FAKE, 'flipped');
    assert.equal(flip.missingCount, 0);
    for (let i = 0; i < files.length; i++) {
      const o = orig.vectors.subarray(i * 8, i * 8 + 8);
      const f = flip.vectors.subarray(i * 8, i * 8 + 8);
      assert.deepEqual(f, await expected(files[i], 'flipped'));
      // Left and right halves swap; top and bottom stay (up to resampling rounding).
      for (const [a, b] of [
        [0, 3],
        [1, 4],
        [2, 5],
        [3, 0],
        [4, 1],
        [5, 2],
        [6, 6],
        [7, 7],
      ])
        assert.ok(Math.abs(f[a] - o[b]) < 0.02, `dim ${a}`);
    }
    const again = await embedImages(
      s.db,
      files.map((p) => ({ path: p })),
      FAKE,
      standaloneJobContext(),
      { ...opts, views: ['flipped', 'original'] },
    );
    assert.deepEqual([again.embedded, again.cached], [0, 5]);
  } finally {
    s.cleanup();
  }
});

test('bad files are recorded with their reason and skipped; the run goes on', async () => {
  const s = sandbox();
  try {
    const good = await writePosters(s.dir, 4);
    const jpeg = await twoHalvesJpeg(7, 300, 450);
    const bad: Record<string, Buffer> = {
      'empty.jpg': Buffer.alloc(0),
      'notes.jpg': Buffer.from('not an image at all'),
      'truncated.jpg': jpeg.subarray(0, jpeg.length >> 1),
      'huge.jpg': await hugeHeaderJpeg(20000, 20000),
    };
    for (const [name, bytes] of Object.entries(bad)) fs.writeFileSync(path.join(s.dir, name), bytes);
    fs.mkdirSync(path.join(s.dir, 'folder.jpg'));
    const names = [...Object.keys(bad), 'missing.jpg', 'folder.jpg'];
    const items = [good[0], ...names.map((n) => path.join(s.dir, n)), ...good.slice(1)].map((p) => ({ path: p }));
    const run = await embedImages(s.db, items, FAKE, standaloneJobContext(), opts);
    assert.equal(run.embedded, 4);
    const reasons = Object.fromEntries(run.failed.map((f) => [path.basename(f.path), f.reason]));
    assert.deepEqual(Object.keys(reasons).sort(), [...names].sort());
    assert.match(reasons['empty.jpg'], /empty file/i);
    assert.match(reasons['notes.jpg'], /not an image/i);
    assert.match(reasons['truncated.jpg'], /truncated/i);
    assert.match(reasons['huge.jpg'], /too large/i);
    assert.match(reasons['missing.jpg'], /not found/i);
    assert.match(reasons['folder.jpg'], /folder/i);

    const stored = listEmbeddingFailures(s.db, FAKE);
    assert.equal(stored.length, names.length);
    assert.ok(stored.find((f) => f.path.endsWith('empty.jpg'))!.hash, 'content hash kept when the file was readable');
    assert.equal(stored.find((f) => f.path.endsWith('missing.jpg'))!.hash, null);

    // Fixing a file clears its failure on the next run; failing again updates rather than duplicates.
    fs.writeFileSync(path.join(s.dir, 'truncated.jpg'), jpeg);
    const rerun = await embedImages(s.db, items, FAKE, standaloneJobContext(), opts);
    assert.deepEqual([rerun.embedded, rerun.cached, rerun.failed.length], [1, 4, names.length - 1]);
    assert.equal(listEmbeddingFailures(s.db, FAKE).length, names.length - 1);
  } finally {
    s.cleanup();
  }
});

test('cancel mid-run stops within a second, leaves only whole batches, and the next run resumes', async () => {
  const s = sandbox();
  try {
    const files = await writePosters(s.dir, 12);
    const slow = 'fake?size=16&delayMs=2000';
    const ac = new AbortController();
    let abortedAt = 0;
    const ctx = standaloneJobContext({
      signal: ac.signal,
      onProgress: (p) => {
        // Cancel once the first batch is stored, while the second is inside a 2 s inference.
        if (p.done >= 2 && !abortedAt) setTimeout(() => ((abortedAt = Date.now()), ac.abort()), 100);
      },
    });
    const run = embedImages(
      s.db,
      files.map((p) => ({ path: p })),
      slow,
      ctx,
      { ...opts, batchSize: 2, views: ['original', 'flipped'] },
    );
    // The first batch takes 2 s of "inference" too.
    await assert.rejects(run, (err) => err instanceof CancelledError);
    const stoppedIn = Date.now() - abortedAt;
    assert.ok(stoppedIn < 1000, `stopped ${stoppedIn} ms after cancel`);

    const perHash = s.db.prepare('SELECT hash, COUNT(*) AS views FROM embeddings WHERE backbone = ? GROUP BY hash').all(slow) as { views: number }[];
    assert.ok(perHash.length >= 1 && perHash.length < 12, `${perHash.length} stored`);
    assert.ok(
      perHash.every((r) => r.views === 2),
      'every stored poster has both views',
    );

    const resumed = await embedImages(
      s.db,
      files.map((p) => ({ path: p })),
      'fake?size=16',
      standaloneJobContext(),
      { ...opts, views: ['original', 'flipped'] },
    );
    assert.equal(resumed.embedded, 12); // a different backbone id: its own cache
    const same = await embedImages(
      s.db,
      files.map((p) => ({ path: p })),
      slow.replace('2000', '0'),
      standaloneJobContext(),
      opts,
    );
    assert.equal(same.embedded, 12);
  } finally {
    s.cleanup();
  }
});

test('cancel while the backbone is still loading rejects at once and stores nothing', async () => {
  const s = sandbox();
  try {
    const files = await writePosters(s.dir, 4);
    const ac = new AbortController();
    const ctx = standaloneJobContext({ signal: ac.signal, onProgress: (p) => /loading/i.test(p.phase) && ac.abort() });
    const t = Date.now();
    await assert.rejects(
      embedImages(
        s.db,
        files.map((p) => ({ path: p })),
        FAKE,
        ctx,
        opts,
      ),
      CancelledError,
    );
    assert.ok(Date.now() - t < 1000);
    assert.equal(s.db.prepare('SELECT COUNT(*) FROM embeddings').pluck().get(), 0);
  } finally {
    s.cleanup();
  }
});

test('a backbone that cannot load fails the run with a clear error', async () => {
  const s = sandbox();
  try {
    const files = await writePosters(s.dir, 2);
    await assert.rejects(
      embedImages(
        s.db,
        files.map((p) => ({ path: p })),
        'fake?size=16',
        standaloneJobContext(),
        { backboneModule: path.join(s.dir, 'nope.ts') },
      ),
      /Cannot load backbone "fake\?size=16"/,
    );
  } finally {
    s.cleanup();
  }
});
