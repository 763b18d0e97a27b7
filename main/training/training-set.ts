/**
 * What a run was trained on, saved next to its model (training-set.json): every poster with its content
 * hash, library, side (and whether the side came from the library's folders or the stable split), the
 * labels that counted and the rejected genres. With the embeddings cache keyed by the same hashes, this is
 * enough to train the run again, and to compare two runs on the posters both held out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { LabelledPoster } from './training-data';

export const TRAINING_SET_FILE = 'training-set.json';

const TrainingSetFile = z.object({
  version: z.literal(1),
  libraryIds: z.array(z.number()),
  genres: z.array(z.string()),
  posters: z.array(
    z.object({
      imageId: z.number(),
      libraryId: z.number(),
      posterId: z.string(),
      hash: z.string(),
      split: z.enum(['train', 'val']),
      splitSource: z.enum(['layout', 'assigned', 'override']),
      genres: z.array(z.string()),
      rejected: z.array(z.string()),
    }),
  ),
});
export type TrainingSet = z.infer<typeof TrainingSetFile>;

export function writeTrainingSet(dir: string, libraryIds: readonly number[], genres: readonly string[], posters: readonly LabelledPoster[]): void {
  const file: TrainingSet = {
    version: 1,
    libraryIds: [...libraryIds],
    genres: [...genres],
    posters: posters.map(({ imageId, libraryId, posterId, hash, split, splitSource, genres: g, rejected }) => ({
      imageId,
      libraryId,
      posterId,
      hash,
      split,
      splitSource,
      genres: g,
      rejected,
    })),
  };
  fs.writeFileSync(path.join(dir, TRAINING_SET_FILE), JSON.stringify(file));
}

/** A run's training set, or undefined for runs saved before it was recorded (or imported ones). */
export function readTrainingSet(modelDir: string): TrainingSet | undefined {
  const file = path.join(modelDir, TRAINING_SET_FILE);
  if (!fs.existsSync(file)) return undefined;
  return TrainingSetFile.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}
