// Integer content ids (migration 011): a data folder from before it keeps every prediction, label and review
// state, and the ids stay equal to the hashes they stand for whoever writes images or predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openDatabase, type Db } from '../../../main/db/database';
import { migrations } from '../../../main/db/migrations';
import { queryPosters } from '../../../main/library/gallery-queries';
import { syncVocabulary } from '../../../main/library/vocabulary';
import { createRun } from '../../../main/runs/runs-repo';
import { predictionFilterSql, predictionsForImages, writePredictions, type PredictionFilter } from '../../../main/tagging/predictions-repo';
import { tempFolder } from '../../helpers/temp';

const GENRES = ['Action', 'Drama', 'Horror'];
const hashOf = (i: number) => i.toString(16).padStart(64, 'a');

/** Rows whose content_id does not name their hash (empty when all is well). */
function mismatched(db: Db): string[] {
  const bad = (table: string) =>
    (
      db.prepare(`SELECT t.rowid AS id FROM ${table} t WHERE t.content_id IS NOT (SELECT c.id FROM contents c WHERE c.hash = t.hash)`).pluck().all() as number[]
    ).map((id) => `${table} #${id}`);
  const scores = db
    .prepare(
      `SELECT s.prediction_id || '/' || s.genre FROM prediction_scores s JOIN predictions p ON p.id = s.prediction_id
    WHERE s.content_id IS NOT p.content_id`,
    )
    .pluck()
    .all() as string[];
  return [...bad('images'), ...bad('predictions'), ...scores.map((s) => `prediction_scores ${s}`)];
}

/**
 * A database at schema 10 with 40 posters (two pairs share a file's content, two could not be read), labels
 * of both sources, a run's predictions of 30 contents with their per-genre scores, and rejected tags. Straight
 * SQL for what today's code writes differently.
 */
function oldDatabase(file: string): { libraryId: number; runId: number } {
  const old = openDatabase(
    file,
    migrations.filter((m) => m.version < 11),
  );
  const libraryId = Number(old.prepare("INSERT INTO libraries (root, name) VALUES ('/posters', 'old')").run().lastInsertRowid);
  const genreIds = syncVocabulary(old, libraryId, GENRES);
  const img = old.prepare(`INSERT INTO images (library_id, rel_path, poster_id, split, hash, size, mtime_ms, thumb_status, error, labels_source)
    VALUES (?, ?, ?, ?, ?, 1, 1, 'ready', ?, ?)`);
  const lab = old.prepare('INSERT INTO labels (image_id, genre_id, source) VALUES (?, ?, ?)');
  for (let i = 0; i < 40; i++) {
    const broken = i === 7 || i === 23;
    // Posters 11 and 31 are copies of 10 and 30: same content.
    const hash = broken ? null : hashOf(i === 11 || i === 31 ? i - 1 : i);
    const source = i % 5 === 0 ? 'user' : i % 2 === 0 ? 'import' : null;
    const id = Number(
      img.run(libraryId, `p/${String(i).padStart(3, '0')}.jpg`, `p${i}`, i % 4 === 0 ? 'val' : 'train', hash, broken ? 'cannot decode' : null, source)
        .lastInsertRowid,
    );
    if (source) GENRES.forEach((g, j) => (i >> j) % 2 === 1 && lab.run(id, genreIds.get(g.toLowerCase()), source));
  }
  const runId = createRun(old, { libraryId, dataset: 'old', backbone: 'mobilenet_v2', genres: GENRES, config: {}, seed: 1 }).id;
  const pred = old.prepare('INSERT INTO predictions (run_id, hash, genre_count, probabilities, tags) VALUES (?, ?, 3, ?, ?) RETURNING id');
  const score = old.prepare('INSERT INTO prediction_scores (prediction_id, run_id, genre, probability, tagged) VALUES (?, ?, ?, ?, ?)');
  for (let i = 0; i < 30; i++) {
    if (i === 7 || i === 23 || i === 11) continue;
    const scores = Float32Array.from(GENRES, (_, j) => ((i * 7 + j * 31) % 100) / 100);
    const tags = GENRES.filter((_, j) => scores[j] >= 0.5);
    const { id } = pred.get(runId, hashOf(i), Buffer.from(scores.buffer), JSON.stringify(tags)) as { id: number };
    GENRES.forEach((g, j) => score.run(id, runId, j, scores[j], tags.includes(g) ? 1 : 0));
  }
  const reject = old.prepare('INSERT INTO prediction_rejections (image_id, genre, run_id) VALUES (?, ?, ?)');
  reject.run(3, 'Horror', runId);
  reject.run(12, 'Drama', runId);
  old.prepare("INSERT INTO holdout_splits (hash, split) VALUES (?, 'val')").run(hashOf(4));
  old.close();
  return { libraryId, runId };
}

/** Everything a user would miss if the migration lost it. */
function userState(db: Db) {
  return {
    images: db.prepare('SELECT id, rel_path, hash, split, error, labels_source, genre_mask FROM images ORDER BY id').all(),
    labels: db.prepare('SELECT image_id, genre_id, source FROM labels ORDER BY image_id, genre_id').all(),
    predictions: db.prepare('SELECT id, run_id, hash, genre_count, hex(probabilities) AS p, tags, created_at FROM predictions ORDER BY id').all(),
    scores: db.prepare('SELECT prediction_id, run_id, genre, probability, tagged FROM prediction_scores ORDER BY prediction_id, genre').all(),
    rejections: db.prepare('SELECT image_id, genre, run_id, created_at FROM prediction_rejections ORDER BY image_id, genre').all(),
    holdout: db.prepare('SELECT hash, split FROM holdout_splits').all(),
  };
}

/** The filters' answer worked out from the rows themselves, in gallery (path) order. */
function expected(db: Db, runId: number, f: Omit<PredictionFilter, 'runId'>): number[] {
  const rows = db
    .prepare(
      `SELECT i.id, p.probabilities AS blob, p.tags FROM images i LEFT JOIN predictions p ON p.hash = i.hash AND p.run_id = ?
    WHERE i.duplicate_of IS NULL ORDER BY i.rel_path`,
    )
    .all(runId) as { id: number; blob: Buffer | null; tags: string | null }[];
  const rejected = new Set((db.prepare('SELECT image_id || genre FROM prediction_rejections').pluck().all() as string[]).map(String));
  return rows
    .filter((r) => {
      if (f.predicted !== undefined && f.predicted !== (r.blob !== null)) return false;
      if (f.genre === undefined) return true;
      if (r.blob === null || rejected.has(`${r.id}${f.genre}`)) return false;
      const j = GENRES.indexOf(f.genre);
      const p = new Float32Array(new Uint8Array(r.blob).buffer)[j];
      if (f.minConfidence === undefined && f.maxConfidence === undefined) return (JSON.parse(r.tags!) as string[]).includes(f.genre);
      return p >= (f.minConfidence ?? 0) && p <= (f.maxConfidence ?? 1);
    })
    .map((r) => r.id);
}

const FILTERS: Omit<PredictionFilter, 'runId'>[] = [
  { predicted: true },
  { predicted: false },
  { genre: 'Drama' },
  { genre: 'Horror' },
  { genre: 'Action', minConfidence: 0.3, maxConfidence: 0.6 },
  { genre: 'Horror', minConfidence: 0.5 },
];

test('a data folder from before content ids keeps every prediction, label and review, and filters answer as before', () => {
  const t = tempFolder();
  try {
    const file = path.join(t.dir, 'db.sqlite');
    const { libraryId, runId } = oldDatabase(file);
    const before = openDatabase(
      file,
      migrations.filter((m) => m.version < 11),
    );
    const state = userState(before);
    const answers = FILTERS.map((f) => expected(before, runId, f));
    before.close();

    const db = openDatabase(file);
    assert.ok(db.prepare('SELECT 1 FROM schema_migrations WHERE version = 11').get(), 'migrated');
    assert.deepEqual(userState(db), state, 'nothing lost or changed');
    assert.deepEqual(mismatched(db), []);
    // Copies share one content; unreadable files have none; every hash once.
    const ids = db.prepare('SELECT content_id FROM images ORDER BY id').pluck().all() as (number | null)[];
    assert.equal(ids[11], ids[10]);
    assert.equal(ids[31], ids[30]);
    assert.equal(ids[7], null);
    assert.equal(db.prepare('SELECT COUNT(*) FROM contents').pluck().get(), 36);

    FILTERS.forEach((f, k) => {
      const page = queryPosters(db, { libraryId, limit: 100 }, predictionFilterSql(db, { runId, ...f }));
      assert.deepEqual(
        page.items.map((i) => i.id),
        answers[k],
        JSON.stringify(f),
      );
      assert.ok(answers[k].length > 0 || f.predicted === true, `${JSON.stringify(f)} matches something`);
    });
    // Cards of the migrated predictions: the copy shows its original's prediction, rejected tags are kept.
    // (Image ids start at 1: poster i is image i + 1.)
    const views = predictionsForImages(db, runId, [11, 12, 3, 8]);
    assert.ok(views.get(11));
    assert.deepEqual(views.get(12)!.probabilities, views.get(11)!.probabilities);
    assert.deepEqual(views.get(12)!.rejected, ['Drama'], 'a review is per poster, not per content');
    assert.equal(views.get(8), null);
    assert.deepEqual(views.get(3)!.rejected, ['Horror']);
    db.close();
  } finally {
    t.cleanup();
  }
});

test('content ids follow the hash whoever writes images and predictions', () => {
  const t = tempFolder();
  try {
    const db = openDatabase(path.join(t.dir, 'db.sqlite'));
    const lib = Number(db.prepare("INSERT INTO libraries (root, name) VALUES ('/posters', 'new')").run().lastInsertRowid);
    const img = db.prepare('INSERT INTO images (library_id, rel_path, poster_id, hash, size, mtime_ms) VALUES (?, ?, ?, ?, 1, 1) RETURNING id');
    const a = (img.get(lib, 'a.jpg', 'a', hashOf(1)) as { id: number }).id;
    const b = (img.get(lib, 'b.jpg', 'b', hashOf(1)) as { id: number }).id;
    const c = (img.get(lib, 'c.jpg', 'c', null) as { id: number }).id;
    const idOf = (id: number) => db.prepare('SELECT content_id FROM images WHERE id = ?').pluck().get(id) as number | null;
    assert.equal(idOf(a), idOf(b), 'same bytes, same content');
    assert.equal(idOf(c), null);

    // A changed file (the indexer's upsert), a file that became unreadable, one that became readable.
    db.prepare('UPDATE images SET hash = ? WHERE id = ?').run(hashOf(2), b);
    db.prepare('UPDATE images SET hash = NULL WHERE id = ?').run(a);
    db.prepare('UPDATE images SET hash = ? WHERE id = ?').run(hashOf(1), c);
    // A write of content_id alone cannot make it lie.
    db.prepare('UPDATE images SET content_id = 999 WHERE id = ?').run(c);
    assert.equal(idOf(a), null);
    assert.deepEqual(mismatched(db), []);

    const run = createRun(db, { libraryId: lib, dataset: 'x', backbone: 'mobilenet_v2', genres: GENRES, config: {}, seed: 1 }).id;
    writePredictions(db, run, GENRES, [
      { hash: hashOf(2), scores: Float32Array.of(0.9, 0.1, 0.2), tags: ['Action'] },
      { hash: hashOf(3), scores: Float32Array.of(0.1, 0.8, 0.2), tags: ['Drama'] },
    ]);
    // Written again (a re-tag): the same rows, new scores.
    writePredictions(db, run, GENRES, [{ hash: hashOf(2), scores: Float32Array.of(0.2, 0.7, 0.2), tags: ['Drama'] }]);
    // Another writer that knows nothing of content ids.
    db.prepare("INSERT INTO predictions (run_id, hash, genre_count, probabilities, tags) VALUES (?, ?, 1, x'00000000', '[]')").run(run, hashOf(4));
    assert.deepEqual(mismatched(db), []);
    assert.equal(db.prepare('SELECT COUNT(*) FROM prediction_scores').pluck().get(), 6);
    const drama = queryPosters(db, { libraryId: lib, limit: 10 }, predictionFilterSql(db, { runId: run, genre: 'Drama' }));
    assert.deepEqual(
      drama.items.map((i) => i.relPath),
      ['b.jpg'],
    );
    db.close();
  } finally {
    t.cleanup();
  }
});
