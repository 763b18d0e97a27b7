import type { Migration } from './index';

/**
 * Integer content ids, so a model's prediction filters join integers instead of 64-character hashes.
 *
 * A prediction filter is "posters of this library, in path order, whose content the run predicted so":
 * a walk of images_gallery (100,000 entries at scale) testing each poster's content against the run's
 * matches (22,000 for one genre). With hashes that walk read 64 more bytes per entry, the matches had to
 * be fetched from `predictions` by id to learn their hash, and each test compared strings: 0.7–1.4 s for
 * the first call after any change at 100,000 posters.
 *
 * contents: one row per distinct content hash ever seen; `images`, `predictions` and `prediction_scores`
 * carry its id. The hash stays where it was (embedding cache keys, holdout splits, training-set.json and
 * exports read it); rows of contents are never deleted, so an id never changes meaning.
 *
 * images.content_id and predictions.content_id are set by triggers from their `hash`, whoever writes the
 * row (the indexer, imports), so the two can never disagree. prediction_scores is rebuilt with content_id
 * (written by main/tagging/predictions-repo.ts): its filter index now answers a filter on its own, with
 * `tagged` before `probability` so "predicted Horror" reads only the tagged entries of that genre rather
 * than every score of the genre. images_gallery holds content_id in place of the hash.
 */
export const contentIdsMigration: Migration = {
  version: 11,
  name: 'content_ids',
  up(db) {
    db.exec(`
      CREATE TABLE contents (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE
      );
      INSERT INTO contents (hash)
        SELECT hash FROM images WHERE hash IS NOT NULL UNION SELECT hash FROM predictions ORDER BY 1;

      ALTER TABLE images ADD COLUMN content_id INTEGER REFERENCES contents(id);
      UPDATE images SET content_id = (SELECT c.id FROM contents c WHERE c.hash = images.hash) WHERE hash IS NOT NULL;
      CREATE TRIGGER images_content_insert AFTER INSERT ON images WHEN NEW.hash IS NOT NULL BEGIN
        INSERT OR IGNORE INTO contents (hash) VALUES (NEW.hash);
        UPDATE images SET content_id = (SELECT id FROM contents WHERE hash = NEW.hash) WHERE id = NEW.id;
      END;
      CREATE TRIGGER images_content_update AFTER UPDATE OF hash, content_id ON images
        WHEN NEW.content_id IS NOT (SELECT id FROM contents WHERE hash = NEW.hash) BEGIN
        INSERT OR IGNORE INTO contents (hash) SELECT NEW.hash WHERE NEW.hash IS NOT NULL;
        UPDATE images SET content_id = (SELECT id FROM contents WHERE hash = NEW.hash) WHERE id = NEW.id;
      END;

      ALTER TABLE predictions ADD COLUMN content_id INTEGER REFERENCES contents(id);
      UPDATE predictions SET content_id = (SELECT c.id FROM contents c WHERE c.hash = predictions.hash);
      CREATE UNIQUE INDEX predictions_content ON predictions(run_id, content_id);
      CREATE TRIGGER predictions_content_insert AFTER INSERT ON predictions
        WHEN NEW.content_id IS NOT (SELECT id FROM contents WHERE hash = NEW.hash) BEGIN
        INSERT OR IGNORE INTO contents (hash) VALUES (NEW.hash);
        UPDATE predictions SET content_id = (SELECT id FROM contents WHERE hash = NEW.hash) WHERE id = NEW.id;
      END;
      CREATE TRIGGER predictions_content_update AFTER UPDATE OF hash, content_id ON predictions
        WHEN NEW.content_id IS NOT (SELECT id FROM contents WHERE hash = NEW.hash) BEGIN
        INSERT OR IGNORE INTO contents (hash) VALUES (NEW.hash);
        UPDATE predictions SET content_id = (SELECT id FROM contents WHERE hash = NEW.hash) WHERE id = NEW.id;
      END;

      CREATE TABLE prediction_scores_new (
        prediction_id INTEGER NOT NULL REFERENCES predictions(id) ON DELETE CASCADE,
        run_id INTEGER NOT NULL,
        content_id INTEGER NOT NULL,
        genre INTEGER NOT NULL CHECK (genre >= 0),
        probability REAL NOT NULL,
        tagged INTEGER NOT NULL CHECK (tagged IN (0, 1)),
        PRIMARY KEY (prediction_id, genre)
      ) WITHOUT ROWID;
      INSERT INTO prediction_scores_new (prediction_id, run_id, content_id, genre, probability, tagged)
        SELECT s.prediction_id, s.run_id, p.content_id, s.genre, s.probability, s.tagged
        FROM prediction_scores s JOIN predictions p ON p.id = s.prediction_id ORDER BY s.prediction_id, s.genre;
      DROP TABLE prediction_scores;
      ALTER TABLE prediction_scores_new RENAME TO prediction_scores;
      CREATE INDEX prediction_scores_filter ON prediction_scores(run_id, genre, tagged, probability, content_id);

      DROP INDEX images_gallery;
      CREATE INDEX images_gallery ON images(library_id, rel_path, duplicate_of, split, labels_source, error, genre_mask, poster_id, content_id);
    `);
  },
};
