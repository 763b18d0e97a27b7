import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testBackend, waitForJob, trainTinyModel } from '../../helpers/backend';
import { posterJpeg, FIXTURE_GENRES } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { skipWithoutMobilenet as skip } from '../../helpers/backbones';
import type { TagSummary } from '../../../main/tagging/tag-job';

let b: ReturnType<typeof testBackend>;
let runId: number;
let trainingRoot: string;
let folder: string;
const posters: { file: string; genres: string[] }[] = [];

/** A plain folder of generated posters (no labels), one broken file among them. */
async function makeFolder(dir: string, n: number, seed: number) {
  fs.mkdirSync(dir, { recursive: true });
  const list: { file: string; genres: string[] }[] = [];
  for (let i = 0; i < n; i++) {
    const genres = [FIXTURE_GENRES[i % FIXTURE_GENRES.length], ...(i % 3 === 0 ? [FIXTURE_GENRES[(i + 2) % FIXTURE_GENRES.length]] : [])];
    const file = path.join(dir, `poster ${String(i).padStart(3, '0')}${i === 4 ? ' é,"q"' : ''}.jpg`);
    fs.writeFileSync(file, await posterJpeg(genres, seed + i));
    list.push({ file, genres });
  }
  return list;
}

before(async () => {
  if (skip) return;
  b = testBackend();
  const root = tempDir();
  trainingRoot = path.join(root, 'training');
  ({ runId } = await trainTinyModel(b, trainingRoot, { train: 60, val: 20, dataSeed: 3, epochs: 12, seed: 7 }));
  folder = path.join(root, 'to tag');
  posters.push(...(await makeFolder(folder, 24, 500)));
  fs.writeFileSync(path.join(folder, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])); // cut-off JPEG
});
after(() => b?.close());

const predictionCount = () => b.db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(runId) as number;

async function tag(input: { runId?: number; folders: string[]; force?: boolean; fast?: boolean }) {
  const started = await b.call('tag:start', input);
  const final = await waitForJob(b, started.job.id);
  return { started, final, summary: final.result as TagSummary };
}

test('tags a folder: every readable poster gets a prediction, broken files are counted with a reason', { skip }, async () => {
  const changed: string[] = [];
  const off = b.bus.subscribe((event, payload) => event === 'library:changed' && changed.push((payload as { reason: string }).reason));
  const { started, final, summary } = await tag({ folders: [folder] }); // no runId: the best recent run
  off();
  assert.equal(final.status, 'done', final.error);
  assert.equal(started.runId, runId);
  assert.equal(summary.tagged, 24);
  assert.equal(summary.failed, 1);
  assert.match(summary.failures[0].path, /broken\.jpg$/);
  assert.ok(summary.failures[0].reason.length > 0);
  assert.equal(final.done, 24);
  assert.equal(final.failed, 1);
  assert.equal(final.total, 25);
  assert.equal(predictionCount(), 24);
  assert.ok(changed.includes('predictions') && changed.includes('indexed'));
  // Scores stored per genre for filters match the BLOB.
  assert.equal(b.db.prepare('SELECT COUNT(*) FROM prediction_scores WHERE run_id = ?').pluck().get(runId), 24 * FIXTURE_GENRES.length);
  assert.equal(b.db.pragma('integrity_check', { simple: true }), 'ok');

  // The generated posters paint their genres: the model should find most of them.
  const page = await b.call('posters:queryPredicted', { libraryId: started.libraryIds[0], runId, limit: 100 });
  assert.equal(page.total, 25);
  let hits = 0;
  for (const item of page.items) {
    if (item.relPath === 'broken.jpg') {
      assert.equal(item.prediction, null);
      continue;
    }
    const truth = posters.find((p) => path.basename(p.file) === item.relPath)!;
    assert.ok(item.prediction, item.relPath);
    assert.deepEqual(Object.keys(item.prediction.probabilities), FIXTURE_GENRES);
    hits += truth.genres.filter((g) => item.prediction!.tags.includes(g)).length;
  }
  const expected = posters.reduce((s, p) => s + p.genres.length, 0);
  assert.ok(hits / expected > 0.6, `found ${hits} of ${expected} genres`);
});

test('re-running tags nothing; a changed file is tagged again; force re-tags all', { skip }, async () => {
  let r = await tag({ runId, folders: [folder] });
  assert.equal(r.summary.tagged, 0);
  assert.equal(r.summary.alreadyTagged, 24);

  const changedFile = posters[1].file;
  fs.writeFileSync(changedFile, await posterJpeg(['Horror'], 9999));
  r = await tag({ runId, folders: [folder] });
  assert.equal(r.summary.tagged, 1);
  assert.equal(predictionCount(), 25, 'the old content keeps its prediction; the new content gets one');

  const before = b.db.prepare('SELECT MAX(created_at) FROM predictions').pluck().get() as string;
  r = await tag({ runId, folders: [folder], force: true });
  assert.equal(r.summary.tagged, 24);
  assert.equal(r.summary.alreadyTagged, 0);
  assert.equal(predictionCount(), 25, 'force replaces, never duplicates');
  const min = b.db.prepare('SELECT MIN(created_at) FROM predictions p WHERE p.hash IN (SELECT hash FROM images WHERE error IS NULL)').pluck().get() as string;
  assert.ok(min >= before, 'every current poster was predicted again');
});

test('cancel mid-job keeps finished chunks; the next run resumes with the rest', { skip }, async () => {
  const other = path.join(tempDir(), 'more');
  await makeFolder(other, 40, 900);
  process.env.POSTER_TAGGER_TAG_CHUNK = '8';
  try {
    const started = await b.call('tag:start', { runId, folders: [other] });
    // Cancel once the first chunk is stored (predictions landing are announced to galleries).
    await new Promise<void>((resolve) => {
      const off = b.bus.subscribe((event, payload) => {
        if (event === 'library:changed' && (payload as { reason: string }).reason === 'predictions') {
          off();
          b.jobs.cancel(started.job.id);
          resolve();
        }
      });
    });
    const final = await waitForJob(b, started.job.id);
    assert.equal(final.status, 'cancelled');
    const libraryId = started.libraryIds[0];
    const stored = (await b.call('posters:queryPredicted', { libraryId, runId, predicted: true, limit: 1 })).total;
    assert.ok(stored >= 8 && stored < 40, `stored ${stored}`);

    const again = await tag({ runId, folders: [other] });
    assert.equal(again.final.status, 'done');
    assert.equal(again.summary.alreadyTagged, stored);
    assert.equal(again.summary.tagged, 40 - stored);
    assert.equal((await b.call('posters:queryPredicted', { libraryId, runId, predicted: false, limit: 1 })).total, 0);
  } finally {
    delete process.env.POSTER_TAGGER_TAG_CHUNK;
  }
});

test('pause holds the job between posters; the same folders again join it; a second tagging job waits for the first', { skip }, async () => {
  const other = path.join(tempDir(), 'paused');
  await makeFolder(other, 24, 1300);
  const elsewhere = path.join(tempDir(), 'elsewhere');
  await makeFolder(elsewhere, 3, 1400);
  process.env.POSTER_TAGGER_TAG_CHUNK = '8';
  try {
    const first = await b.call('tag:start', { runId, folders: [other] });
    await new Promise<void>((resolve) => {
      const off = b.bus.subscribe((event, payload) => {
        if (event === 'library:changed' && (payload as { reason: string }).reason === 'predictions') {
          off();
          b.jobs.pause(first.job.id);
          resolve();
        }
      });
    });
    // QA #2: Tag pressed again (or double-clicked) for the same run and folders returns the job already at work.
    const same = await b.call('tag:start', { runId, folders: [other, other] });
    assert.equal(same.job.id, first.job.id);
    assert.equal(same.alreadyRunning, true);
    assert.equal(same.queued, false);
    assert.equal(same.job.status, 'paused');
    assert.equal(first.alreadyRunning, false);
    // Other folders are another job: it waits for the first.
    const second = await b.call('tag:start', { runId, folders: [elsewhere] });
    assert.equal(second.queued, true);
    assert.equal(second.alreadyRunning, false);
    // A double click on it: both requests arrive before either job exists; one job, and the queued one is returned as queued.
    const [c1, c2] = await Promise.all([b.call('tag:start', { runId, folders: [elsewhere] }), b.call('tag:start', { runId, folders: [elsewhere] })]);
    assert.equal(c1.job.id, second.job.id);
    assert.equal(c2.job.id, second.job.id);
    assert.equal(c2.queued, true);
    assert.equal(b.jobs.list().filter((j) => j.kind === 'tag' && ['queued', 'running', 'paused'].includes(j.status)).length, 2, 'no duplicate job was queued');
    const libraryId = first.libraryIds[0];
    const count = async () => (await b.call('posters:queryPredicted', { libraryId, runId, predicted: true, limit: 1 })).total;
    await new Promise((r) => setTimeout(r, 300)); // a batch already inside the backbone may still land
    const paused = await count();
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(await count(), paused, 'nothing is stored while paused');
    assert.equal(b.jobs.get(first.job.id).status, 'paused');
    assert.ok(paused < 24);
    b.jobs.resume(first.job.id);
    assert.equal((await waitForJob(b, first.job.id)).status, 'done');
    const again = await waitForJob(b, second.job.id);
    assert.equal((again.result as TagSummary).tagged, 3);
    assert.equal(await count(), 24);
  } finally {
    delete process.env.POSTER_TAGGER_TAG_CHUNK;
  }
});

test('review: filter by predicted genre and confidence, reject hides a tag, accept makes labels', { skip }, async () => {
  const libraryId = (await b.call('library:list', {})).find((l) => l.root === fs.realpathSync(folder))!.id;
  const all = await b.call('posters:queryPredicted', { libraryId, runId, predicted: true, limit: 100 });
  const action = await b.call('posters:queryPredicted', { libraryId, runId, genre: 'action', limit: 100 });
  assert.ok(action.total > 0);
  assert.ok(action.items.every((i) => i.prediction?.tags.includes('Action')));
  assert.equal(action.total, all.items.filter((i) => i.prediction?.tags.includes('Action')).length);
  const sure = await b.call('posters:queryPredicted', { libraryId, runId, genre: 'Action', minConfidence: 0.9, limit: 100 });
  assert.ok(sure.items.every((i) => i.prediction!.probabilities.Action >= 0.9));
  const unsure = await b.call('posters:queryPredicted', { libraryId, runId, genre: 'Action', minConfidence: 0.2, maxConfidence: 0.8, limit: 100 });
  assert.ok(unsure.items.every((i) => i.prediction!.probabilities.Action >= 0.2 && i.prediction!.probabilities.Action <= 0.8));
  assert.equal(all.items.filter((i) => i.prediction!.probabilities.Action >= 0.9).length, sure.total);
  await assert.rejects(b.call('posters:queryPredicted', { libraryId, runId, genre: 'Western', limit: 10 }), /does not predict "Western"/);

  const target = action.items[0];
  const rejected = await b.call('predictions:reject', { runId, imageId: target.id, genre: 'Action' });
  assert.deepEqual(rejected.prediction?.rejected, ['Action']);
  assert.ok(!rejected.prediction?.tags.includes('Action'));
  const after = await b.call('posters:queryPredicted', { libraryId, runId, genre: 'Action', limit: 100 });
  assert.equal(after.total, action.total - 1);
  assert.ok(!after.items.some((i) => i.id === target.id));
  const cards = await b.call('predictions:forImages', { runId, imageIds: [target.id, action.items[1].id] });
  assert.deepEqual(cards[0].prediction?.rejected, ['Action']);
  assert.deepEqual(cards[1].prediction?.rejected, []);

  // Bulk accept of the visible tags: the rejected one is not accepted.
  const second = action.items[1];
  const accepted = await b.call('predictions:accept', { runId, imageIds: [target.id, second.id] });
  assert.equal(accepted.accepted, target.prediction!.tags.length > 1 ? 2 : 1);
  const d1 = await b.call('posters:get', { id: target.id });
  assert.ok(!d1.genres.includes('Action'));
  const d2 = await b.call('posters:get', { id: second.id });
  assert.deepEqual([...d2.genres].sort(), [...second.prediction!.tags].sort());
  assert.ok(d2.labels.every((l) => l.source === 'user'));
  // Accepting a rejected genre explicitly clears the rejection.
  await b.call('predictions:accept', { runId, imageIds: [target.id], genres: ['Action'] });
  assert.ok((await b.call('posters:get', { id: target.id })).genres.includes('Action'));
  assert.deepEqual((await b.call('predictions:forImages', { runId, imageIds: [target.id] }))[0].prediction?.rejected, []);
  // Labels made by accepting survive a re-index.
  await b.call('library:index', { id: libraryId }).then((j) => waitForJob(b, j.id));
  assert.ok((await b.call('posters:get', { id: second.id })).labels.length > 0);
});

test('bad tagging requests are refused with a clear message', { skip }, async () => {
  await assert.rejects(b.call('tag:start', { runId, folders: [path.join(folder, 'nope')] }), /Folder not found/);
  await assert.rejects(b.call('tag:start', { runId: 999, folders: [folder] }), /no run #999/);
  await assert.rejects(b.call('predictions:reject', { runId, imageId: 999999, genre: 'Action' }), /No poster/);
  await assert.rejects(b.call('tag:export', { runId, folder, format: 'csv', libraryIds: [1] } as never), /either libraryIds or folder/);
});

test('with no trained run, tag:start says so', { skip }, async () => {
  const fresh = testBackend();
  try {
    await assert.rejects(fresh.call('tag:start', { folders: [folder] }), /no trained model yet/);
  } finally {
    await fresh.close();
  }
});

/** The cached embeddings (backbone, view) of the posters under a folder. */
const cachedViews = (root: string) =>
  b.db
    .prepare(
      `SELECT e.backbone, e.view FROM embeddings e JOIN images i ON i.hash = e.hash JOIN libraries l ON l.id = i.library_id
       WHERE l.root = ? ORDER BY e.view`,
    )
    .all(root) as { backbone: string; view: number }[];

test('a run trained on the original view (the default) embeds it alone, in training and in tagging', { skip }, async () => {
  const run = await b.call('runs:get', { id: runId });
  assert.equal(run.views, 'original');
  assert.equal(run.config.views, 'original');
  assert.ok(
    cachedViews(trainingRoot).every((v) => v.view === 0),
    'training embedded no mirror image',
  );
  const oneFolder = path.join(tempDir(), 'one-view');
  await makeFolder(oneFolder, 5, 7300);
  const { final, summary } = await tag({ folders: [oneFolder] });
  assert.equal(final.status, 'done', final.error);
  assert.equal(summary.tagged, 5);
  const views = cachedViews(oneFolder);
  assert.equal(views.length, 5, 'one embedding per poster');
  assert.ok(views.every((v) => v.view === 0));
});

test('fast tagging with a run trained on both views embeds the original view only, with the variant the run was trained with', { skip }, async () => {
  const mirrored = await trainTinyModel(b, path.join(tempDir(), 'mirrored'), { train: 30, val: 10, dataSeed: 4, epochs: 4, seed: 7, views: 'both' });
  const run = await b.call('runs:get', { id: mirrored.runId });
  assert.equal(run.views, 'both');
  const avail = (await b.call('train:options', {})).backbones.find((x: { id: string }) => x.id === 'mobilenet_v2')!;
  assert.equal(run.config.backboneVariant, avail.variant, 'a run records the variant chosen at its start');
  const both = path.join(tempDir(), 'both');
  await makeFolder(both, 4, 7200);
  assert.equal((await tag({ runId: mirrored.runId, folders: [both] })).final.status, 'done');
  assert.deepEqual(
    cachedViews(both).map((v) => v.view),
    [0, 0, 0, 0, 1, 1, 1, 1],
    'without fast: the poster and its mirror image',
  );
  const fastFolder = path.join(tempDir(), 'fast');
  await makeFolder(fastFolder, 6, 7100);
  const { final, summary } = await tag({ runId: mirrored.runId, folders: [fastFolder], fast: true });
  assert.equal(final.status, 'done', final.error);
  assert.equal(summary.tagged, 6, JSON.stringify(summary));
  const views = cachedViews(fastFolder);
  assert.equal(views.length, 6, 'one embedding per poster');
  assert.ok(views.every((v) => v.view === 0));
  assert.ok(
    views.every((v) => v.backbone.endsWith('#int8') === (avail.variant === 'int8')),
    "cached under the run's variant",
  );
});
