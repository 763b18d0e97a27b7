// Gives every poster of a library a synthetic prediction of a new run (no model is run): the prediction
// filters of the scale benchmark need a tagged library of full size.
import type { Db } from '../../../main/db/database';
import { seededRandom } from '../../../main/ml/random';
import { createRun, setRunStatus } from '../../../main/runs/runs-repo';
import { writePredictions, type StoredPrediction } from '../../../main/tagging/predictions-repo';

/** The run's id; probabilities are skewed low like a real head's, tags are those ≥ 0.5. */
export function seedPredictions(db: Db, libraryId: number, genres: string[]): number {
  const run = createRun(db, { libraryId, dataset: 'scale benchmark', backbone: 'mobilenet_v2', genres, config: {}, seed: 1 });
  setRunStatus(db, run.id, 'done');
  const hashes = db.prepare('SELECT DISTINCT hash FROM images WHERE library_id = ? AND hash IS NOT NULL AND error IS NULL').pluck().all(libraryId) as string[];
  const rand = seededRandom(3);
  for (let start = 0; start < hashes.length; start += 2000) {
    const rows: StoredPrediction[] = hashes.slice(start, start + 2000).map((hash) => {
      const scores = Float32Array.from(genres, (_, j) => rand() ** (1 + j / 4));
      return { hash, scores, tags: genres.filter((_, j) => scores[j] >= 0.5) };
    });
    writePredictions(db, run.id, genres, rows);
  }
  return run.id;
}
