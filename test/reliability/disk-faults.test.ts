// Disk and file faults: read-only and full disks on write-back and export, files that vanish or turn into
// folders while the app works, odd path names, and a folder of very many files. The bar: a clear message,
// the user's labels kept, no file changed that was not asked for, no half-written file left behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testBackend, openIndexed, waitForJob } from '../helpers/backend';
import { makeTutorialLibrary, posterJpeg, FIXTURE_GENRES } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { savedSyntheticRun } from '../helpers/runs';
import { indexLibrary } from '../../main/library/indexer';
import { openLibrary } from '../../main/library/library-repo';
import { standaloneJobContext } from '../../main/jobs/types';
import { embedImages } from '../../main/ml/features/pipeline';
import { exportHead } from '../../main/runs/model-io';
import { writeFileAtomic } from '../../main/tagging/atomic-file';
import { injectWriteFault, makeReadOnly, tinyDisk } from './faults';
import { LONG, record } from './stats';
import { toErrorBody } from '../../main/api/errors';

const SUITE = 'disk faults';
const FAKE_MODULE = path.resolve(__dirname, '../../main/ml/features/fake-backbone.ts');
const b = testBackend();
after(() => b.close());

/** Every file under `dir` with its bytes, hidden ones included (temp files must not linger). */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const abs = path.join(dir, rel);
    if (fs.statSync(abs).isFile()) out.set(rel, fs.readFileSync(abs).toString('base64'));
  }
  return out;
}

async function labelledLibrary(root: string) {
  await makeTutorialLibrary(root, { train: 6, val: 3, seed: 11 });
  const lib = await openIndexed(b, root);
  const page = await b.call('posters:query', { libraryId: lib.id, split: 'train' });
  const edited = page.items.slice(0, 2);
  for (const p of edited) await b.call('posters:setLabels', { id: p.id, genres: ['Horror', 'Romance'] });
  return { lib, edited };
}

function userLabels(libraryId: number): string[] {
  return b.db
    .prepare(
      `SELECT i.rel_path || '=' || group_concat(g.name) FROM images i JOIN labels l ON l.image_id = i.id JOIN genres g ON g.id = l.genre_id
    WHERE i.library_id = ? AND i.labels_source = 'user' GROUP BY i.id ORDER BY i.rel_path`,
    )
    .pluck()
    .all(libraryId) as string[];
}

test('write-back to a read-only library is refused with a clear message; labels and files are kept', async (t) => {
  const root = path.join(tempDir(), 'read-only');
  const { lib } = await labelledLibrary(root);
  const labelsBefore = userLabels(lib.id);
  assert.equal(labelsBefore.length, 2);
  const filesBefore = tree(root);
  const ro = makeReadOnly(root);
  t.diagnostic(`read-only by ${ro.how}`);
  try {
    await assert.rejects(b.call('library:writeBack', { id: lib.id, confirm: true }), (err: Error) => {
      assert.match(err.message, /^Could not write the labels back\. 2 could not be written/);
      assert.match(err.message, /read-only|permission/i);
      return true;
    });
    // Reading still works: a re-index of a read-only library is fine and keeps the edits.
    const job = await b.call('library:index', { id: lib.id });
    assert.equal((await waitForJob(b, job.id)).status, 'done');
  } finally {
    ro.undo();
  }
  assert.deepEqual(tree(root), filesBefore, 'no file in the library changed, no temp file left');
  assert.deepEqual(userLabels(lib.id), labelsBefore, 'the labels stay in the app, still marked as edited');
  // Once writable again the same call succeeds.
  const ok = await b.call('library:writeBack', { id: lib.id, confirm: true });
  assert.equal(ok.files.length, 1);
  assert.match(fs.readFileSync(path.join(root, 'train', 'metadata.csv'), 'utf8'), /Horror', 'Romance/);
  record(SUITE, 'faults', 1);
});

test('disk full during write-back: the CSV is untouched, no temp file is left, labels are kept', async (t) => {
  const base = tempDir();
  const disk = tinyDisk(path.join(base, 'tiny disk'));
  try {
    const root = path.join(disk ? path.join(base, 'tiny disk') : base, 'library');
    const { lib } = await labelledLibrary(root);
    const before = tree(root);
    const labelsBefore = userLabels(lib.id);
    let fault = { restore: () => undefined as void, hits: () => 1 };
    if (disk) disk.fill();
    else fault = injectWriteFault(root, 'ENOSPC');
    t.diagnostic(`full disk: ${disk ? 'a real 1 MB tmpfs, filled' : 'simulated ENOSPC at the fs module'}`);
    try {
      await assert.rejects(b.call('library:writeBack', { id: lib.id, confirm: true }), /Could not write the labels back\. .*disk is full/);
      assert.ok(fault.hits() > 0);
    } finally {
      fault.restore();
      if (disk) fs.rmSync(path.join(base, 'tiny disk', '.filler'));
    }
    assert.deepEqual(tree(root), before);
    assert.deepEqual(userLabels(lib.id), labelsBefore);
    const ok = await b.call('library:writeBack', { id: lib.id, confirm: true });
    assert.equal(ok.files.length, 1, ok.message);
  } finally {
    disk?.undo();
  }
  record(SUITE, 'faults', 1);
});

test('disk full or read-only on model export and tag export: clear error, no partial or temp file', async () => {
  const { run, modelDir } = await savedSyntheticRun(b, 'run-fault');

  for (const code of ['ENOSPC', 'EROFS'] as const) {
    const outDir = tempDir();
    fs.writeFileSync(path.join(outDir, 'keep.txt'), 'other file');
    const fault = injectWriteFault(outDir, code);
    try {
      // Through the API, as the UI exports a run.
      await assert.rejects(b.call('runs:export', { id: run.id, file: path.join(outDir, 'model.json') }), (err: Error) => {
        assert.equal(toErrorBody(err).code, 'invalid_input', `a user-facing error, not "${toErrorBody(err).code}": ${err.message}`);
        assert.match(err.message, code === 'ENOSPC' ? /disk is full/ : /read-only/);
        return true;
      });
      assert.throws(() => exportHead(modelDir, path.join(outDir, 'again.json')), /disk is full|read-only/);
      await assert.rejects(writeFileAtomic(path.join(outDir, 'tags.csv'), 'a,b\n'.repeat(1000)), code === 'ENOSPC' ? /disk is full/ : /read-only/);
    } finally {
      fault.restore();
    }
    assert.deepEqual([...tree(outDir).keys()], ['keep.txt'], `${code}: only the user's own file is in the folder`);
    record(SUITE, 'faults', 3);
  }
});

test('disk full or read-only on dataset export (genre folders, Label Studio JSON): clear error, nothing left behind', async () => {
  const { lib } = await labelledLibrary(path.join(tempDir(), 'dataset-export'));
  for (const code of ['ENOSPC', 'EROFS'] as const) {
    const outDir = tempDir();
    fs.writeFileSync(path.join(outDir, 'keep.txt'), 'other file');
    const fault = injectWriteFault(outDir, code);
    try {
      for (const [format, target] of [
        ['class-folders', 'tree'],
        ['label-studio', 'tasks.json'],
      ] as const) {
        await assert.rejects(b.call('library:exportDataset', { id: lib.id, format, path: path.join(outDir, target) }), (err: Error) => {
          assert.equal(toErrorBody(err).code, 'invalid_input', `${format}: a user-facing error, not "${toErrorBody(err).code}": ${err.message}`);
          assert.match(err.message, code === 'ENOSPC' ? /disk is full/ : /read-only/);
          return true;
        });
      }
    } finally {
      fault.restore();
    }
    assert.deepEqual([...tree(outDir).keys()], ['keep.txt'], `${code}: only the user's own file is in the folder`);
    assert.deepEqual(fs.readdirSync(outDir), ['keep.txt'], `${code}: no work folder left`);
    record(SUITE, 'faults', 2);
  }
});

test('files deleted while indexing and while embedding: skipped with a reason, never a crash', async () => {
  const root = path.join(tempDir(), 'vanishing');
  fs.mkdirSync(root);
  const files: string[] = [];
  for (let i = 0; i < 40; i++) {
    const f = path.join(root, `p${String(i).padStart(2, '0')}.jpg`);
    fs.writeFileSync(f, await posterJpeg([FIXTURE_GENRES[i % 5]], i, 32, 48));
    files.push(f);
  }
  const lib = openLibrary(b.db, root);
  let deleted = 0;
  const ctx = standaloneJobContext({
    onProgress: (p) => {
      // As soon as reading starts, a user (or a sync tool) removes the second half of the folder.
      if (p.phase === 'Reading posters' && deleted === 0)
        for (const f of files.slice(20)) {
          fs.rmSync(f);
          deleted++;
        }
    },
  });
  const r = await indexLibrary(b.db, lib.id, ctx, { thumbnailsDir: b.paths.thumbnails, concurrency: 2, batchSize: 4, firstBatchSize: 4 });
  assert.equal(deleted, 20);
  const rows = b.db.prepare('SELECT COUNT(*) FROM images WHERE library_id = ?').pluck().get(lib.id) as number;
  assert.ok(rows >= 20 && rows <= 40, `${rows} rows`);
  assert.equal(r.files, 40, 'the scan saw 40 files');
  // The next index drops what is gone and keeps the rest.
  const again = await indexLibrary(b.db, lib.id, standaloneJobContext(), { thumbnailsDir: b.paths.thumbnails });
  assert.equal(again.files, 20);
  assert.equal(b.db.prepare('SELECT COUNT(*) FROM images WHERE library_id = ?').pluck().get(lib.id), 20);

  // Embedding: files disappear between listing and reading.
  const items = files.slice(0, 20).map((p) => ({ path: p }));
  let gone = 0;
  const ectx = standaloneJobContext({
    onProgress: () => {
      if (gone === 0)
        for (const f of files.slice(10, 20)) {
          fs.rmSync(f);
          gone++;
        }
    },
  });
  const e = await embedImages(b.db, items, 'fake?size=16', ectx, { backboneModule: FAKE_MODULE, batchSize: 2, keepWorkerMs: 0, decodeConcurrency: 1 });
  assert.equal(e.embedded + e.cached + e.failed.length, 20);
  assert.ok(e.failed.length >= 1 && e.failed.length <= 10, `${e.failed.length} failed`);
  for (const f of e.failed) assert.match(f.reason, /not found|no such file|deleted|missing/i);
  record(SUITE, 'faults', 30);
});

test('a poster replaced by a folder: the re-index reports its user labels, media and embedding refuse it', async () => {
  const root = path.join(tempDir(), 'replaced');
  const { lib, edited } = await labelledLibrary(root);
  const victim = edited[0];
  const abs = path.join(root, victim.relPath);
  fs.rmSync(abs);
  fs.mkdirSync(abs);
  fs.writeFileSync(path.join(abs, 'inner.txt'), 'x');
  assert.equal(await b.media!.resolve(`image/${victim.id}`, new URLSearchParams()), undefined);
  const e = await embedImages(b.db, [{ path: abs }], 'fake?size=16', standaloneJobContext(), { backboneModule: FAKE_MODULE, keepWorkerMs: 0 });
  assert.equal(e.failed.length, 1);
  assert.match(e.failed[0].reason, /folder|directory/i);

  const job = await b.call('library:index', { id: lib.id });
  assert.equal((await waitForJob(b, job.id)).status, 'done');
  const report = await b.call('library:report', { id: lib.id });
  const issue = report!.issues.find((i) => i.kind === 'removed-with-user-labels');
  assert.ok(issue, JSON.stringify(report!.counts));
  assert.match(issue.message, /Horror, Romance/);
  assert.equal(userLabels(lib.id).length, 1, 'the other edited poster keeps its labels');
  record(SUITE, 'faults', 3);
});

test('a library on a path with spaces and non-ASCII characters works end to end', async () => {
  const root = path.join(tempDir(), 'Plakáty – 映画 ñ', 'my posters (2024) #1 & more');
  await makeTutorialLibrary(root, { train: 4, val: 2, seed: 5 });
  const odd = path.join(root, 'val', 'Ünïcödé 海報 poster ✓.jpg');
  fs.writeFileSync(odd, await posterJpeg(['Drama'], 77));
  const lib = await openIndexed(b, root);
  const page = await b.call('posters:query', { libraryId: lib.id, limit: 100 });
  assert.equal(page.total, 7);
  assert.ok(page.items.every((p) => p.error === null && p.thumbStatus === 'ready'));
  const item = page.items.find((p) => p.relPath.includes('海報'))!;
  const served = await b.media!.resolve(`image/${item.id}`, new URLSearchParams());
  assert.equal(served?.file, fs.realpathSync(odd));
  const byPath = await b.media!.resolve('file', new URLSearchParams({ path: odd }));
  assert.equal(byPath?.file, fs.realpathSync(odd));
  await b.call('posters:setLabels', { id: page.items[0].id, genres: ['Comedy'] });
  const wb = await b.call('library:writeBack', { id: lib.id, confirm: true });
  assert.equal(wb.files.length, 1, wb.message);
  const e = await embedImages(b.db, [{ path: odd }], 'fake?size=16', standaloneJobContext(), { backboneModule: FAKE_MODULE, keepWorkerMs: 0 });
  assert.equal(e.failed.length, 0);
  record(SUITE, 'badInputs', 1);
});

test(`${LONG ? '100,000' : '10,000'} files in one folder: indexed without a crash, all reported, in bounded time`, { timeout: 600_000 }, async (t) => {
  const n = LONG ? 100_000 : 10_000;
  const root = path.join(tempDir(), 'many');
  fs.mkdirSync(root);
  const tiny = await posterJpeg(['Action'], 1, 8, 12);
  const t0 = Date.now();
  // Mostly empty files (cheap to make and to reject), and a few real posters among them.
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(root, `f${String(i).padStart(6, '0')}.jpg`), i % 1000 === 0 ? tiny : '');
  const made = Date.now() - t0;
  const lib = openLibrary(b.db, root);
  const t1 = Date.now();
  const r = await indexLibrary(b.db, lib.id, standaloneJobContext(), { thumbnailsDir: b.paths.thumbnails });
  const indexMs = Date.now() - t1;
  t.diagnostic(`${n} files made in ${made} ms, indexed in ${indexMs} ms`);
  assert.equal(r.files, n);
  assert.equal(r.report.counts['not-an-image'], n - n / 1000);
  assert.equal(r.report.truncated, true, 'the listed issues are capped; the count is complete');
  assert.equal(b.db.prepare('SELECT COUNT(*) FROM images WHERE library_id = ? AND error IS NULL').pluck().get(lib.id), n / 1000);
  // Re-opening is cheap: nothing is read again.
  const t2 = Date.now();
  const again = await indexLibrary(b.db, lib.id, standaloneJobContext(), { thumbnailsDir: b.paths.thumbnails });
  assert.equal(again.unchanged, n);
  t.diagnostic(`re-index of ${n} unchanged files: ${Date.now() - t2} ms`);
  assert.ok(indexMs < (LONG ? 300_000 : 60_000), `indexing took ${indexMs} ms`);
  record(SUITE, 'badInputs', n, `${n} files indexed in ${(indexMs / 1000).toFixed(1)} s`);
});
