// The default model (chooseRun) and the per-run tagging settings table, on a database alone: runs get
// an empty model folder, which is all "usable" checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Db } from '../../../main/db/database';
import { createRun, deleteRun, setRunStatus } from '../../../main/runs/runs-repo';
import { getRunTagging, mergeTagOptions, preferredRunId, runTagOptions, setPreferredRun, setRunTagging } from '../../../main/runs/run-tagging-repo';
import { chooseRun, defaultRun } from '../../../main/runs/run-choice';
import { tempDir } from '../../helpers/temp';

const models = tempDir();

/** A finished run with a model folder (or without one), its metrics claiming validation mAP `mAP`. */
function doneRun(db: Db, genres: string[], opts: { mAP?: number; finishedAt?: string; model?: boolean } = {}) {
  const run = createRun(db, { libraryId: 1, dataset: 'posters', backbone: 'mobilenet_v2', genres, config: { head: 'default' }, seed: 1 });
  const dir = path.join(models, `run-${run.id}-${Math.random().toString(36).slice(2)}`);
  if (opts.model !== false) fs.mkdirSync(dir);
  setRunStatus(db, run.id, 'done', { metrics: { metrics: { mAP: opts.mAP ?? 0.5 } }, modelPath: dir });
  if (opts.finishedAt) db.prepare('UPDATE runs SET finished_at = ? WHERE id = ?').run(opts.finishedAt, run.id);
  return run;
}

test('chooseRun: the latest finished run, never the best mAP; a marked run wins; it says why', () => {
  const db = openDatabase(':memory:');
  try {
    assert.throws(() => chooseRun(db), /no trained model yet/);
    assert.equal(defaultRun(db), null);
    const five = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance'];
    // A run on 8 posters that shows mAP 100% must not become the default.
    const tiny = doneRun(db, five, { mAP: 1, finishedAt: '2026-01-01T10:00:00.000Z' });
    const solid = doneRun(db, five, { mAP: 0.41, finishedAt: '2026-01-02T10:00:00.000Z' });
    const failed = createRun(db, { dataset: 'x', backbone: 'mobilenet_v2', genres: five, config: {}, seed: 1 });
    setRunStatus(db, failed.id, 'failed', { error: 'boom' });

    let choice = chooseRun(db);
    assert.equal(choice.run.id, solid.id);
    assert.equal(choice.kind, 'latest');
    assert.equal(choice.reason, 'latest finished run');

    // "Latest" is by when a run finished, not when it was created.
    db.prepare('UPDATE runs SET finished_at = ? WHERE id = ?').run('2026-01-03T10:00:00.000Z', tiny.id);
    assert.equal(chooseRun(db).run.id, tiny.id);
    db.prepare('UPDATE runs SET finished_at = ? WHERE id = ?').run('2026-01-01T10:00:00.000Z', tiny.id);

    setPreferredRun(db, tiny.id);
    choice = chooseRun(db);
    assert.equal(choice.run.id, tiny.id);
    assert.equal(choice.kind, 'preferred');
    assert.equal(choice.reason, 'marked as default by you');
    assert.equal(preferredRunId(db), tiny.id);

    // At most one marked run: marking another unmarks the first.
    setPreferredRun(db, solid.id);
    assert.equal(preferredRunId(db), solid.id);
    assert.equal(getRunTagging(db, tiny.id).preferred, false);
    assert.equal(db.prepare('SELECT COUNT(*) FROM run_tagging WHERE preferred = 1').pluck().get(), 1);
    assert.throws(() => db.prepare('UPDATE run_tagging SET preferred = 1').run(), /UNIQUE/);

    // A named run is used as it is; one without a model is refused.
    assert.deepEqual(chooseRun(db, tiny.id).kind, 'given');
    assert.throws(() => chooseRun(db, failed.id), /no saved model/);
    assert.throws(() => chooseRun(db, 999), /no run #999/);

    // The marked run's model is gone: the latest run on the same genres, and the reason says so.
    const other = doneRun(db, ['Action', 'Drama'], { finishedAt: '2026-01-05T10:00:00.000Z' });
    fs.rmSync(db.prepare('SELECT model_path FROM runs WHERE id = ?').pluck().get(solid.id) as string, { recursive: true });
    choice = chooseRun(db);
    assert.equal(choice.run.id, tiny.id);
    assert.equal(choice.kind, 'same-genres');
    assert.match(choice.reason, new RegExp(`same genres as run #${solid.id}, your default, which has no saved model`));

    // With a context (a library's genres, any order or case), the latest run on them.
    setPreferredRun(db, solid.id, false);
    assert.equal(preferredRunId(db), undefined);
    assert.equal(chooseRun(db).run.id, other.id);
    choice = chooseRun(db, undefined, { genres: ['romance', 'Horror', 'drama', 'Comedy', 'ACTION'] });
    assert.equal(choice.run.id, tiny.id);
    assert.equal(choice.reason, 'latest finished run on the same genres');
    assert.equal(chooseRun(db, undefined, { genres: ['Western'] }).run.id, other.id, 'no run on those genres: the latest');

    // Deleting a run deletes its settings.
    setPreferredRun(db, other.id);
    deleteRun(db, other.id);
    assert.equal(preferredRunId(db), undefined);
    assert.equal(chooseRun(db).kind, 'latest');
  } finally {
    db.close();
  }
});

test('run tagging settings: defaults, partial changes, checks, as TagOptions with explicit choices on top', () => {
  const db = openDatabase(':memory:');
  try {
    const run = doneRun(db, ['Action', 'Drama', 'Horror']);
    assert.deepEqual(getRunTagging(db, run.id), { mode: 'balanced', maxTags: null, overrides: null, preferred: false, updatedAt: null });
    assert.deepEqual(runTagOptions(db, run.id), { mode: 'balanced' });

    setRunTagging(db, run.id, { mode: 'precise', maxTags: 2 });
    const t = setRunTagging(db, run.id, { overrides: [null, 0.99, null] });
    assert.equal(t.mode, 'precise', 'fields not given are kept');
    assert.equal(t.maxTags, 2);
    assert.deepEqual(t.overrides, [null, 0.99, null]);
    assert.match(t.updatedAt ?? '', /^\d{4}-/);
    assert.deepEqual(runTagOptions(db, run.id), { mode: 'precise', maxTags: 2, overrides: [null, 0.99, null] });

    assert.throws(() => setRunTagging(db, run.id, { overrides: [0.5, 0.5] }), /Got 2 thresholds for the run's 3 genres/);
    assert.throws(() => setRunTagging(db, run.id, { overrides: [0.5, 1.5, null] }), /threshold for Drama must be between 0 and 1/);
    assert.throws(() => setRunTagging(db, run.id, { maxTags: 0 }), /whole number from 1/);
    assert.throws(() => setRunTagging(db, run.id, { mode: 'loose' as never }), /Unknown mode/);
    assert.throws(() => setRunTagging(db, 999, { mode: 'broad' }), /no run #999/);
    assert.deepEqual(getRunTagging(db, run.id).overrides, [null, 0.99, null], 'a refused change leaves the settings alone');

    // All null is "none saved"; maxTags null is no limit.
    const cleared = setRunTagging(db, run.id, { overrides: [null, null, null], maxTags: null });
    assert.equal(cleared.overrides, null);
    assert.equal(cleared.maxTags, null);

    const saved = { mode: 'precise' as const, maxTags: 2, overrides: [null, 0.9, null] };
    assert.deepEqual(mergeTagOptions(saved, { mode: 'broad' }), { ...saved, mode: 'broad' });
    assert.deepEqual(mergeTagOptions(saved, { maxTags: 0 }), { mode: 'precise', overrides: [null, 0.9, null] }, '0: no limit');
    assert.deepEqual(mergeTagOptions(saved, { maxTags: null }), { mode: 'precise', overrides: [null, 0.9, null] });
    assert.deepEqual(mergeTagOptions(saved, { mode: undefined, maxTags: undefined }), saved, 'undefined keeps the saved value');
    assert.deepEqual(mergeTagOptions(saved, { threshold: 0.3 }), { ...saved, threshold: 0.3 });
  } finally {
    db.close();
  }
});
