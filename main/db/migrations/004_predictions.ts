import type { Migration } from './index';

/**
 * Batch-tagging results (main/tagging/*).
 *
 * predictions: one row per (run, content hash). Like embeddings, a prediction depends only on the file's
 * bytes and the model, so it is shared by every library and path holding the same poster, and a changed
 * file (new hash) simply has no prediction yet. `probabilities` is a float32 little-endian BLOB in the
 * order of runs.genres (one read gives a whole card or export row); `tags` is the JSON list of genres that
 * passed the model's tuned thresholds when it was written.
 *
 * prediction_scores: the same probabilities, one row per genre, because gallery filters ("predicted
 * Horror with confidence ≥ 0.7", "uncertain: 0.4–0.6") need an index on (run, genre, probability); a JSON
 * or BLOB column cannot be indexed by value, and json_each over every poster would scan the whole run.
 * Genres are stored as their index in runs.genres and the parent as an integer id (not the 64-character
 * hash), which keeps 10,000 posters × 25 genres at about 10 MB with the index. run_id is repeated here so
 * the filter index can start with it.
 *
 * prediction_rejections: per-image review state. A predicted genre the user rejected stays hidden for
 * that poster whatever model or re-tag predicts it again (it is a judgement about the poster, not about
 * one run); accepting the genre later clears it. run_id only records which run's tag was rejected.
 */
export const predictionsMigration: Migration = {
  version: 4,
  name: 'predictions',
  up(db) {
    db.exec(`
      CREATE TABLE predictions (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        hash TEXT NOT NULL,
        genre_count INTEGER NOT NULL CHECK (genre_count > 0),
        probabilities BLOB NOT NULL CHECK (length(probabilities) = 4 * genre_count),
        tags TEXT NOT NULL CHECK (json_valid(tags)),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        UNIQUE (run_id, hash)
      );

      CREATE TABLE prediction_scores (
        prediction_id INTEGER NOT NULL REFERENCES predictions(id) ON DELETE CASCADE,
        run_id INTEGER NOT NULL,
        genre INTEGER NOT NULL CHECK (genre >= 0),
        probability REAL NOT NULL,
        tagged INTEGER NOT NULL CHECK (tagged IN (0, 1)),
        PRIMARY KEY (prediction_id, genre)
      ) WITHOUT ROWID;
      CREATE INDEX prediction_scores_filter ON prediction_scores(run_id, genre, probability);

      CREATE TABLE prediction_rejections (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        genre TEXT NOT NULL COLLATE NOCASE,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (image_id, genre)
      ) WITHOUT ROWID;
    `);
  },
};
