// Comparing a run with the model it would replace on the posters both held out: which posters are shared
// (val side in both training sets, by content hash), and the numbers on a hand-made case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Db } from '../../../main/db/database';
import { createRun, setRunStatus } from '../../../main/runs/runs-repo';
import { setPreferredRun } from '../../../main/runs/run-tagging-repo';
import { compareHeldOut, compareRuns, heldOutOf, MIN_SHARED, type HeldOut } from '../../../main/runs/run-comparison';
import type { TrainingSet } from '../../../main/training/training-set';
import { TRAINING_SET_FILE } from '../../../main/training/training-set';
import { tempDir } from '../../helpers/temp';

type Poster = { hash: string; split: 'train' | 'val'; genres: string[]; scores: number[] };

/** A training set and an evaluation file as a run saves them; image ids differ per run (other libraries). */
function runFiles(genres: string[], posters: Poster[], opts: { imageBase: number; auto?: boolean[]; thresholds?: number[] }) {
  const set: TrainingSet = {
    version: 1,
    libraryIds: [1],
    genres,
    posters: posters.map((p, i) => ({
      imageId: opts.imageBase + i,
      libraryId: 1,
      posterId: p.hash,
      hash: p.hash,
      split: p.split,
      splitSource: 'layout',
      genres: p.genres,
      rejected: [],
    })),
  };
  const evaluation = {
    genres,
    thresholds: opts.thresholds ?? genres.map(() => 0.5),
    auto: opts.auto,
    outOfFold: true,
    // Cross-validated: every poster has an out-of-fold score, train side included.
    items: posters.map((p, i) => ({ imageId: opts.imageBase + i, posterId: p.hash, scores: p.scores, truth: p.genres })),
  };
  return { set, evaluation };
}

const held = (files: ReturnType<typeof runFiles>) => heldOutOf(files.set, files.evaluation) as HeldOut;

// The newer run (genres Action, Comedy) ranks both genres perfectly on h1-h4; the older one (Comedy,
// Action, Horror: another order and a genre more) does not.
const newer = runFiles(
  ['Action', 'Comedy'],
  [
    { hash: 'h1', split: 'val', genres: ['Action'], scores: [0.9, 0.2] },
    { hash: 'h2', split: 'val', genres: ['Comedy'], scores: [0.3, 0.8] },
    { hash: 'h3', split: 'val', genres: ['Action', 'Comedy'], scores: [0.7, 0.6] },
    { hash: 'h4', split: 'val', genres: [], scores: [0.1, 0.1] },
    // Held out by the newer run only: the older one trained on it.
    { hash: 'h5', split: 'val', genres: ['Action'], scores: [0.99, 0.01] },
    { hash: 'h7', split: 'train', genres: ['Comedy'], scores: [0.2, 0.9] },
  ],
  { imageBase: 100 },
);
const older = runFiles(
  ['Comedy', 'Action', 'Horror'],
  [
    { hash: 'h1', split: 'val', genres: ['Action'], scores: [0.1, 0.4, 0.9] },
    { hash: 'h2', split: 'val', genres: ['Comedy'], scores: [0.9, 0.6, 0.9] },
    { hash: 'h3', split: 'val', genres: ['Action', 'Comedy'], scores: [0.3, 0.8, 0.9] },
    // Relabelled since: the newer run's labels are the truth.
    { hash: 'h4', split: 'val', genres: ['Comedy'], scores: [0.5, 0.2, 0.9] },
    { hash: 'h5', split: 'train', genres: ['Action'], scores: [0.01, 0.01, 0.01] },
    { hash: 'h6', split: 'val', genres: ['Horror'], scores: [0.5, 0.5, 0.5] },
    // On the train side of the newer run: never compared, whatever its score.
    { hash: 'h7', split: 'val', genres: ['Comedy'], scores: [0.0, 0.9, 0.0] },
  ],
  { imageBase: 500, auto: [true, true, false] },
);

test('heldOutOf: only evaluation items on the val side of the training set, by content hash', () => {
  const h = held(older);
  assert.deepEqual([...h.posters.keys()].sort(), ['h1', 'h2', 'h3', 'h4', 'h6', 'h7']);
  assert.deepEqual(h.posters.get('h4'), { scores: [0.5, 0.2, 0.9], truth: ['Comedy'] });
  // A genre the rule never tags automatically is never tagged in micro-F1 either.
  assert.deepEqual(h.thresholds, [0.5, 0.5, Number.POSITIVE_INFINITY]);
  assert.match((heldOutOf(undefined, older.evaluation) as { reason: string }).reason, /no recorded training set/);
  assert.match((heldOutOf(older.set, undefined) as { reason: string }).reason, /no stored evaluation/);
});

test('compareHeldOut: mAP, micro-F1 and per-genre AP on the shared held-out posters only', () => {
  const c = compareHeldOut(held(newer), held(older), 4);
  assert.equal(c.status, 'ok');
  assert.equal(c.shared, 4, 'h1-h4: h5 and h7 were trained on by one of the runs, h6 is held out by one only');
  assert.deepEqual(c.genres, ['Action', 'Comedy']);
  assert.equal(c.relabelled, 1);
  // Newer: both genres ranked perfectly, and every tag right at 0.5.
  assert.deepEqual(c.run, { mAP: 1, microF1: 1 });
  // Older, truth h1 A, h2 C, h3 A+C, h4 none. Action scores h3 .8 (+), h2 .6, h1 .4 (+), h4 .2: AP (1 + 2/3)/2.
  // Comedy h2 .9 (+), h4 .5, h3 .3 (+), h1 .1: AP (1 + 2/3)/2. Tags at 0.5: Action h2 h3, Comedy h2 h4:
  // TP 2 (h3 A, h2 C), FP 2, FN 2 (h1 A, h3 C): micro-F1 4/8.
  assert.deepEqual(c.against, { mAP: 0.8333, microF1: 0.5 });
  assert.deepEqual(c.perGenre, [
    { genre: 'Action', support: 2, ap: 1, againstAp: 0.8333, delta: 0.1667 },
    { genre: 'Comedy', support: 2, ap: 1, againstAp: 0.8333, delta: 0.1667 },
  ]);
});

test('compareHeldOut says plainly when there are too few or no shared held-out posters', () => {
  const few = compareHeldOut(held(newer), held(older));
  assert.equal(MIN_SHARED, 30);
  assert.equal(few.status, 'too-few');
  assert.equal(few.shared, 4);
  assert.equal(few.run, null);
  assert.match(few.message, /Only 4 posters were held out by both runs: too few to compare \(at least 30/);

  const disjoint = runFiles(['Action'], [{ hash: 'x1', split: 'val', genres: ['Action'], scores: [0.5] }], { imageBase: 900 });
  const none = compareHeldOut(held(newer), held(disjoint), 1);
  assert.equal(none.status, 'none');
  assert.equal(none.shared, 0);
  assert.match(none.message, /No poster was held out by both runs/);

  const otherGenres = runFiles(['Western'], [{ hash: 'h1', split: 'val', genres: [], scores: [0.5] }], { imageBase: 950 });
  assert.match(compareHeldOut(held(newer), held(otherGenres), 1).message, /no genre in common/);
});

/** A finished run whose model folder holds the given files. */
function savedRun(db: Db, files: ReturnType<typeof runFiles> | null, finishedAt: string) {
  const run = createRun(db, { libraryId: 1, dataset: 'posters', backbone: 'mobilenet_v2', genres: ['Action', 'Comedy'], config: { head: 'default' }, seed: 1 });
  const dir = path.join(tempDir(), `run-${run.id}`);
  fs.mkdirSync(dir, { recursive: true });
  if (files) {
    fs.writeFileSync(path.join(dir, TRAINING_SET_FILE), JSON.stringify(files.set));
    fs.writeFileSync(path.join(dir, 'evaluation.json'), JSON.stringify(files.evaluation));
  }
  setRunStatus(db, run.id, 'done', { metrics: {}, modelPath: dir });
  db.prepare('UPDATE runs SET finished_at = ? WHERE id = ?').run(finishedAt, run.id);
  return run.id;
}

test('compareRuns: against the model it would replace by default, or a chosen run; runs without their files are named', () => {
  const db = openDatabase(':memory:');
  try {
    const bare = savedRun(db, null, '2026-01-01T00:00:00.000Z');
    const old = savedRun(db, older, '2026-01-02T00:00:00.000Z');
    const fresh = savedRun(db, newer, '2026-01-03T00:00:00.000Z');
    // The latest finished run is the default; left out, the one before it is what it would replace.
    let c = compareRuns(db, fresh);
    assert.equal(c.againstRunId, old);
    assert.match(c.againstReason!, /the model it would replace \(latest finished run\)/);
    assert.equal(c.shared, 4);
    assert.equal(c.status, 'too-few');
    // A marked default is what a new run would replace.
    setPreferredRun(db, bare);
    c = compareRuns(db, fresh);
    assert.equal(c.againstRunId, bare);
    assert.equal(c.status, 'unavailable');
    assert.match(c.message, new RegExp(`Run #${bare} cannot be compared: it has no recorded training set`));
    c = compareRuns(db, fresh, old);
    assert.equal(c.againstReason, 'chosen by you');
    assert.equal(c.againstRunId, old);
    assert.equal(compareRuns(db, fresh, fresh).status, 'unavailable');
    assert.throws(() => compareRuns(db, 999), /There is no run #999/);
  } finally {
    db.close();
  }
});
