/** Reads and writes batch-tagging predictions and their review state (tables from migration 004_predictions). */
import path from 'node:path';
import type { Db } from '../db/database';
import { getRun } from '../runs/runs-repo';
import { InvalidError, NotFoundError } from '../core/errors';

export interface StoredPrediction {
  hash: string;
  /** genres.length probabilities in the run's genre order (may be a view into a bigger array). */
  scores: Float32Array;
  /** Genres that passed the model's thresholds. */
  tags: string[];
}

/** What a gallery card shows for one poster and one run. */
export interface PredictionView {
  /** Genre → probability, in the run's genre order. */
  probabilities: Record<string, number>;
  /** Tags that passed the thresholds and were not rejected by the user. */
  tags: string[];
  /** Predicted genres the user rejected for this poster (hidden from `tags`). */
  rejected: string[];
}

/** The run's genre list; a clear error when the run is gone. */
export function runGenres(db: Db, runId: number): string[] {
  const run = getRun(db, runId);
  if (!run) throw new NotFoundError(`There is no run #${runId}.`);
  return run.genres;
}

/**
 * Stores one batch of predictions in a single transaction (replacing older ones of the same run and hash),
 * so a killed process loses at most the batch in flight and never leaves half a poster.
 */
export function writePredictions(db: Db, runId: number, genres: readonly string[], rows: readonly StoredPrediction[]): void {
  const content = db.prepare('INSERT OR IGNORE INTO contents (hash) VALUES (?)');
  const upsert = db.prepare(`INSERT INTO predictions (run_id, hash, content_id, genre_count, probabilities, tags)
    VALUES (@run, @hash, (SELECT id FROM contents WHERE hash = @hash), @count, @blob, @tags)
    ON CONFLICT (run_id, hash) DO UPDATE SET genre_count = excluded.genre_count, probabilities = excluded.probabilities,
      tags = excluded.tags, created_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
    RETURNING id, content_id AS contentId`);
  const score = db.prepare(`INSERT INTO prediction_scores (prediction_id, run_id, content_id, genre, probability, tagged) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (prediction_id, genre) DO UPDATE SET probability = excluded.probability, tagged = excluded.tagged`);
  db.transaction(() => {
    for (const r of rows) {
      if (r.scores.length !== genres.length) throw new Error(`Prediction for ${r.hash} has ${r.scores.length} scores for ${genres.length} genres`);
      const blob = Buffer.from(r.scores.buffer, r.scores.byteOffset, r.scores.byteLength);
      content.run(r.hash);
      const { id, contentId } = upsert.get({ run: runId, hash: r.hash, count: genres.length, blob, tags: JSON.stringify(r.tags) }) as {
        id: number;
        contentId: number;
      };
      const tagged = new Set(r.tags);
      for (let j = 0; j < genres.length; j++) score.run(id, runId, contentId, j, r.scores[j], tagged.has(genres[j]) ? 1 : 0);
    }
  })();
}

/** The stored tags of the run for these contents (those it has predicted), by hash. */
export function storedTags(db: Db, runId: number, hashes: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const q = db.prepare('SELECT tags FROM predictions WHERE run_id = ? AND hash = ?').pluck();
  for (const h of hashes) {
    const tags = q.get(runId, h) as string | undefined;
    if (tags !== undefined) out.set(h, JSON.parse(tags) as string[]);
  }
  return out;
}

export interface TagWork {
  /** One path per distinct content to tag (the first by library and path). */
  todo: { hash: string; path: string }[];
  /** Files the indexer could not read: they cannot be tagged and are counted as failed. */
  broken: { path: string; reason: string }[];
  /** Distinct contents that already had a prediction of this run (not re-tagged). */
  alreadyTagged: number;
}

/** The contents of these libraries that have no prediction of the run yet (all of them with `force`), less `exclude`. */
export function tagWork(db: Db, runId: number, libraryIds: readonly number[], force: boolean, exclude?: ReadonlySet<string>): TagWork {
  if (libraryIds.length === 0) return { todo: [], broken: [], alreadyTagged: 0 };
  const libs = libraryIds.map(() => '?').join(',');
  const rows = db
    .prepare(
      `SELECT i.hash, l.root, i.rel_path AS rel,
      EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.hash = i.hash) AS has
    FROM images i JOIN libraries l ON l.id = i.library_id
    WHERE i.library_id IN (${libs}) AND i.hash IS NOT NULL AND i.error IS NULL
    ORDER BY i.library_id, i.rel_path`,
    )
    .all(runId, ...libraryIds) as { hash: string; root: string; rel: string; has: number }[];
  const seen = new Set<string>();
  const todo: TagWork['todo'] = [];
  let alreadyTagged = 0;
  for (const r of rows) {
    if (seen.has(r.hash) || exclude?.has(r.hash)) continue;
    seen.add(r.hash);
    if (r.has && !force) alreadyTagged++;
    else todo.push({ hash: r.hash, path: path.join(r.root, ...r.rel.split('/')) });
  }
  const broken = (
    db
      .prepare(
        `SELECT l.root, i.rel_path AS rel, i.error FROM images i JOIN libraries l ON l.id = i.library_id
    WHERE i.library_id IN (${libs}) AND i.error IS NOT NULL ORDER BY i.library_id, i.rel_path`,
      )
      .all(...libraryIds) as { root: string; rel: string; error: string }[]
  ).map((r) => ({ path: path.join(r.root, ...r.rel.split('/')), reason: r.error }));
  return { todo, broken, alreadyTagged };
}

/** Copies a probabilities BLOB into `into` at float `offset`: a BLOB's offset is not always 4-aligned, so it cannot be viewed as floats in place. */
export function decodeScoresInto(blob: Buffer, into: Float32Array, offset: number): void {
  new Uint8Array(into.buffer, into.byteOffset + offset * 4, blob.length).set(blob);
}

function decodeScores(blob: Buffer): Float32Array {
  const out = new Float32Array(blob.length / 4);
  decodeScoresInto(blob, out, 0);
  return out;
}

/** Each image's prediction by the run (null when it has none yet), keyed by image id. */
export function predictionsForImages(db: Db, runId: number, imageIds: readonly number[]): Map<number, PredictionView | null> {
  const out = new Map<number, PredictionView | null>(imageIds.map((id) => [id, null]));
  if (imageIds.length === 0) return out;
  const genres = runGenres(db, runId);
  const unique = [...new Set(imageIds)];
  const rejected = new Map<number, string[]>();
  for (let start = 0; start < unique.length; start += 500) {
    const ids = unique.slice(start, start + 500);
    const marks = ids.map(() => '?').join(',');
    const rows = db
      .prepare(
        `SELECT i.id, p.probabilities, p.tags FROM images i CROSS JOIN predictions p ON p.content_id = i.content_id AND p.run_id = ?
      WHERE i.id IN (${marks})`,
      )
      .all(runId, ...ids) as { id: number; probabilities: Buffer; tags: string }[];
    for (const r of db.prepare(`SELECT image_id AS id, genre FROM prediction_rejections WHERE image_id IN (${marks}) ORDER BY genre`).all(...ids) as {
      id: number;
      genre: string;
    }[]) {
      const list = rejected.get(r.id);
      if (list) list.push(r.genre);
      else rejected.set(r.id, [r.genre]);
    }
    for (const r of rows) {
      const scores = decodeScores(r.probabilities);
      const no = new Set((rejected.get(r.id) ?? []).map((g) => g.toLowerCase()));
      const tags = (JSON.parse(r.tags) as string[]).filter((t) => !no.has(t.toLowerCase()));
      const probabilities: Record<string, number> = {};
      genres.forEach((g, j) => (probabilities[g] = scores[j] ?? 0));
      out.set(r.id, { probabilities, tags, rejected: genres.filter((g) => no.has(g.toLowerCase())) });
    }
  }
  return out;
}

/** How many distinct contents of these libraries (or of all, when omitted) the run has predicted. */
export function countPredictions(db: Db, runId: number, libraryIds?: readonly number[]): number {
  if (!libraryIds) return db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(runId) as number;
  if (libraryIds.length === 0) return 0;
  return db
    .prepare(
      `SELECT COUNT(DISTINCT i.hash) FROM images i JOIN predictions p ON p.hash = i.hash AND p.run_id = ?
    WHERE i.library_id IN (${libraryIds.map(() => '?').join(',')})`,
    )
    .pluck()
    .get(runId, ...libraryIds) as number;
}

/** The run's genre name for a user-typed one (case-insensitive), or an error listing them. */
export function resolveRunGenre(genres: readonly string[], name: string): { name: string; index: number } {
  const index = genres.findIndex((g) => g.toLowerCase() === name.trim().toLowerCase());
  if (index < 0) throw new InvalidError(`The model does not predict "${name}" (it knows: ${genres.join(', ')})`);
  return { name: genres[index], index };
}

export interface PredictionFilter {
  runId: number;
  genre?: string;
  minConfidence?: number;
  maxConfidence?: number;
  /** true: only posters the run has tagged; false: only those it has not tagged yet. */
  predicted?: boolean;
}

/**
 * SQL conditions on `images i` for gallery queries (main/library/gallery-queries.ts `queryPosters`).
 * With a genre and no confidence bounds: posters tagged with it. With bounds: that genre's probability
 * in [min, max]. Either way a genre the user rejected for a poster never matches it. Every subquery is
 * uncorrelated and reads one index of integers (migration 011): SQLite gathers the run's matching content
 * ids once, then tests each poster of the images_gallery walk against them.
 */
export function predictionFilterSql(db: Db, f: PredictionFilter): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = { pfRun: f.runId };
  const tagged = 'SELECT pp.content_id FROM predictions pp WHERE pp.run_id = @pfRun';
  // A poster without content (unreadable file) is "not tagged yet"; NOT IN alone would drop it (NULL).
  if (f.predicted === true) where.push(`i.content_id IN (${tagged})`);
  if (f.predicted === false) where.push(`(i.content_id IS NULL OR i.content_id NOT IN (${tagged}))`);
  if (f.genre === undefined) {
    if (f.minConfidence !== undefined || f.maxConfidence !== undefined) throw new InvalidError('A confidence range needs a genre to apply to');
    return { where, params };
  }
  const g = resolveRunGenre(runGenres(db, f.runId), f.genre);
  Object.assign(params, { pfGenre: g.index, pfGenreName: g.name });
  if (f.minConfidence === undefined && f.maxConfidence === undefined) {
    where.push('i.content_id IN (SELECT s.content_id FROM prediction_scores s WHERE s.run_id = @pfRun AND s.genre = @pfGenre AND s.tagged = 1)');
  } else {
    // `tagged IN (0, 1)`: the index has tagged before probability, so the range is read as two short ones.
    Object.assign(params, { pfMin: f.minConfidence ?? 0, pfMax: f.maxConfidence ?? 1 });
    where.push(`i.content_id IN (SELECT s.content_id FROM prediction_scores s WHERE s.run_id = @pfRun AND s.genre = @pfGenre
      AND s.tagged IN (0, 1) AND s.probability >= @pfMin AND s.probability <= @pfMax)`);
  }
  where.push('NOT EXISTS (SELECT 1 FROM prediction_rejections r WHERE r.image_id = i.id AND r.genre = @pfGenreName)');
  return { where, params };
}

/** The poster a label or review belongs to: a duplicate file's primary (as setPosterLabels does). */
function primaryOf(db: Db, imageId: number): { id: number; libraryId: number } {
  const row = db.prepare('SELECT id, library_id AS lib, duplicate_of AS dup FROM images WHERE id = ?').get(imageId) as
    { id: number; lib: number; dup: number | null } | undefined;
  if (!row) throw new NotFoundError(`No poster with id ${imageId}`);
  return { id: row.dup ?? row.id, libraryId: row.lib };
}

/** Hides a predicted genre for one poster (idempotent); `undo` shows it again. */
export function rejectPrediction(db: Db, runId: number, imageId: number, genre: string, undo = false): { libraryId: number; genre: string } {
  const g = resolveRunGenre(runGenres(db, runId), genre);
  const { libraryId } = primaryOf(db, imageId);
  if (undo) db.prepare('DELETE FROM prediction_rejections WHERE image_id = ? AND genre = ?').run(imageId, g.name);
  else db.prepare('INSERT OR IGNORE INTO prediction_rejections (image_id, genre, run_id) VALUES (?, ?, ?)').run(imageId, g.name, runId);
  return { libraryId, genre: g.name };
}

export interface AcceptResult {
  /** Posters whose labels changed. */
  accepted: number;
  labelsAdded: number;
  /** Posters the run has not tagged (nothing to accept). */
  notPredicted: number[];
  libraryIds: number[];
}

/**
 * Turns predicted tags into labels with source 'user' (kept by re-indexing, written back by the library's
 * write-back). `genres` omitted: each poster's visible tags; given: those genres of the model for every
 * poster (an explicit choice, so a rejection of them is cleared). Genres the library does not have yet are
 * added to its vocabulary. Existing labels are kept. One transaction.
 */
export function acceptPredictions(db: Db, runId: number, imageIds: readonly number[], genres?: readonly string[]): AcceptResult {
  const runG = runGenres(db, runId);
  const chosen = genres?.map((g) => resolveRunGenre(runG, g).name);
  const views = predictionsForImages(db, runId, imageIds);
  const result: AcceptResult = { accepted: 0, labelsAdded: 0, notPredicted: [], libraryIds: [] };
  const libs = new Set<number>();
  const genreId = db.prepare('SELECT id FROM genres WHERE library_id = ? AND lower(name) = lower(?)').pluck();
  const nextPos = db.prepare('SELECT COALESCE(MAX(position) + 1, 0) FROM genres WHERE library_id = ?').pluck();
  const addGenre = db.prepare('INSERT INTO genres (library_id, name, position) VALUES (?, ?, ?)');
  const addLabel = db.prepare("INSERT OR IGNORE INTO labels (image_id, genre_id, source) VALUES (?, ?, 'user')");
  const markUser = db.prepare("UPDATE images SET labels_source = 'user' WHERE id = ?");
  const unreject = db.prepare('DELETE FROM prediction_rejections WHERE image_id = ? AND genre = ?');
  db.transaction(() => {
    for (const imageId of new Set(imageIds)) {
      const view = views.get(imageId);
      if (!view) {
        result.notPredicted.push(imageId);
        continue;
      }
      const target = primaryOf(db, imageId);
      const names = chosen ?? view.tags;
      let added = 0;
      for (const name of names) {
        let id = genreId.get(target.libraryId, name) as number | undefined;
        if (id === undefined) id = Number(addGenre.run(target.libraryId, name, nextPos.get(target.libraryId) as number).lastInsertRowid);
        added += addLabel.run(target.id, id).changes;
        if (chosen) unreject.run(imageId, name);
      }
      if (names.length === 0) continue; // nothing predicted: accepting must not mark it as "no genre"
      // Reviewed: the poster's label set is the user's now (as after an edit), even if nothing was new.
      markUser.run(target.id);
      result.accepted++;
      result.labelsAdded += added;
      libs.add(target.libraryId);
    }
  })();
  result.libraryIds = [...libs];
  return result;
}

/** The id of the opened library at exactly this root, if any (exports never open a folder). */
export function libraryIdAtRoot(db: Db, root: string): number | undefined {
  return db.prepare('SELECT id FROM libraries WHERE root = ?').pluck().get(root) as number | undefined;
}
