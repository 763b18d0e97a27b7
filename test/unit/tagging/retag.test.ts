// Promote, then re-tag: a job of the tagging machinery that predicts every poster again from cached
// embeddings and rewrites only the posters whose tags change; labels and rejections are kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testBackend, waitForJob, trainTinyModel, trainRun } from '../../helpers/backend';
import { posterJpeg, FIXTURE_GENRES } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { skipWithoutMobilenet as skip } from '../../helpers/backbones';
import type { TagSummary } from '../../../main/tagging/tag-job';

let b: ReturnType<typeof testBackend>;
let oldRun: number;
let newRun: number;
let folder: string;
let trainingLibrary: number;

before(async () => {
  if (skip) return;
  b = testBackend();
  const root = tempDir();
  ({ runId: oldRun, libraryId: trainingLibrary } = await trainTinyModel(b, path.join(root, 'training'), {
    train: 50,
    val: 16,
    dataSeed: 4,
    epochs: 6,
    seed: 2,
  }));
  folder = path.join(root, 'to tag');
  fs.mkdirSync(folder, { recursive: true });
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(folder, `p${i}.jpg`), await posterJpeg([FIXTURE_GENRES[i % FIXTURE_GENRES.length]], 700 + i));
  const tagged = await b.call('tag:start', { runId: oldRun, folders: [folder] });
  assert.equal((await waitForJob(b, tagged.job.id)).status, 'done');
  // Another head on the same cached embeddings, one that also looks at the mirror image: other tags.
  const started = await b.call('train:start', { libraryId: trainingLibrary, backbone: 'mobilenet_v2', head: 'mlp', epochs: 4, seed: 9, views: 'both' });
  assert.equal((await waitForJob(b, started.job.id)).status, 'done');
  newRun = started.runId;
});
after(() => b?.close());

type Row = Record<string, unknown>;
const rowsOf = (runId: number) => {
  const predictions = b.db.prepare('SELECT * FROM predictions WHERE run_id = ? ORDER BY hash').all(runId) as Row[];
  const scores = b.db.prepare('SELECT * FROM prediction_scores WHERE run_id = ? ORDER BY prediction_id, genre').all(runId) as Row[];
  return { predictions, scores };
};
const labels = () => b.db.prepare('SELECT image_id, genre_id, source FROM labels ORDER BY image_id, genre_id').all();
const tagsOf = (runId: number) =>
  new Map((b.db.prepare('SELECT hash, tags FROM predictions WHERE run_id = ?').all(runId) as { hash: string; tags: string }[]).map((r) => [r.hash, r.tags]));

async function retag(input: { runId: number; fromRunId?: number }) {
  const started = await b.call('tag:retag', input);
  const final = await waitForJob(b, started.job.id);
  assert.equal(final.status, 'done', final.error);
  return { started, summary: final.result as TagSummary };
}

test(
  're-tag after promoting: every poster predicted by the new model, "N of M changed" against the old one, labels and rejections kept',
  { skip },
  async () => {
    await b.call('runs:prefer', { runId: newRun });
    const lib = (await b.call('library:list', {})).find((l) => l.root.endsWith('to tag'))!;
    const cards = await b.call('posters:queryPredicted', { libraryId: lib.id, runId: oldRun, limit: 100 });
    const target = cards.items.find((i) => i.prediction && i.prediction.tags.length)!;
    await b.call('predictions:reject', { runId: oldRun, imageId: target.id, genre: target.prediction!.tags[0] });
    const labelsBefore = labels();
    const oldRows = rowsOf(oldRun);

    const { started, summary } = await retag({ runId: newRun, fromRunId: oldRun });
    // The libraries the replaced model tagged (the training library never was).
    assert.deepEqual(started.libraryIds, [lib.id]);
    assert.equal(started.fromRunId, oldRun);
    assert.equal(b.jobs.get(started.job.id).title, `Re-tagging to tag with run #${newRun}`);
    const oldTags = tagsOf(oldRun);
    const newTags = tagsOf(newRun);
    assert.equal(summary.tagged, newTags.size, 'M: every poster predicted');
    const same = (a: string, c: string) => JSON.stringify((JSON.parse(a) as string[]).sort()) === JSON.stringify((JSON.parse(c) as string[]).sort());
    const changed = [...newTags].filter(([h, t]) => (!oldTags.has(h) ? (JSON.parse(t) as string[]).length > 0 : !same(t, oldTags.get(h)!))).length;
    assert.equal(summary.retag?.changed, changed);
    assert.equal(summary.retag?.rewritten, newTags.size, 'the new run had no rows: all are written');
    assert.ok(changed > 0, `another model, other tags (${changed} of ${newTags.size})`);
    // The old model's rows, the labels and the rejection are untouched.
    assert.deepEqual(rowsOf(oldRun), oldRows);
    assert.deepEqual(labels(), labelsBefore);
    const view = (await b.call('predictions:forImages', { runId: newRun, imageIds: [target.id] }))[0].prediction!;
    assert.deepEqual(view.rejected, [target.prediction!.tags[0]]);
    assert.ok(!view.tags.includes(target.prediction!.tags[0]));
  },
);

test('re-tag again: only the rows whose tags would change are rewritten, the others stay byte for byte', { skip }, async () => {
  // Two stale rows (as if written under other settings): their tags differ from what the model gives now.
  const before = rowsOf(newRun);
  const stale = before.predictions.slice(0, 2).map((r) => r.id as number);
  for (const id of stale) b.db.prepare("UPDATE predictions SET tags = '[\"Nothing\"]', created_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").run(id);
  const staleRows = rowsOf(newRun);

  const { summary } = await retag({ runId: newRun, fromRunId: oldRun });
  assert.equal(summary.retag?.rewritten, 2);
  assert.equal(summary.retag?.changed, 2);
  assert.equal(summary.tagged, before.predictions.length);
  const afterRows = rowsOf(newRun);
  // The untouched rows are identical to the byte (created_at included); the two stale ones are rewritten.
  const untouched = (rows: Row[]) => rows.filter((r) => !stale.includes(r.id as number));
  assert.deepEqual(untouched(afterRows.predictions), untouched(staleRows.predictions));
  assert.deepEqual(afterRows.scores, before.scores);
  for (const id of stale) {
    const [was, now] = [before, afterRows].map((s) => s.predictions.find((r) => r.id === id)!);
    assert.equal(now.tags, was.tags);
    assert.deepEqual(now.probabilities, was.probabilities);
    assert.notEqual(now.created_at, '2000-01-01T00:00:00.000Z');
  }
});

test('re-tag with a mirror-image run of posters whose mirror image is not cached: predicted from the original view, no backbone pass', { skip }, async () => {
  const hashes = rowsOf(newRun)
    .predictions.slice(0, 3)
    .map((r) => r.hash as string);
  const marks = hashes.map(() => '?').join(',');
  // As after tagging with Fast (or with a run that looks at the original only): the original view only.
  b.db.prepare(`DELETE FROM embeddings WHERE view = 1 AND hash IN (${marks})`).run(...hashes);
  const views = () =>
    b.db
      .prepare(`SELECT COUNT(*) FROM embeddings WHERE hash IN (${marks})`)
      .pluck()
      .get(...hashes) as number;
  const before = views();
  const { summary } = await retag({ runId: newRun, fromRunId: oldRun });
  assert.equal(summary.tagged, rowsOf(newRun).predictions.length, 'every poster predicted');
  assert.equal(summary.failed, 0);
  assert.equal(views(), before, 'no mirrored view was embedded');
});

test('re-tag: a run no library was tagged with is refused with a clear message', { skip }, async () => {
  const fresh = await trainRun(b, trainingLibrary, { seed: 11 });
  b.db.prepare('DELETE FROM predictions WHERE run_id IN (?, ?)').run(fresh, newRun);
  await assert.rejects(b.call('tag:retag', { runId: fresh, fromRunId: newRun }), /No library has been tagged with run #\d+ or run #\d+ yet/);
  await assert.rejects(b.call('tag:retag', { runId: 999 }), /no run #999/);
});
