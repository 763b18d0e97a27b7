// Shapes of the learning-loop calls: what to label next, similar posters, near-duplicates.
import { z } from 'zod';

const Id = z.number().int().positive();

export const LabelNextRequest = z
  .object({
    libraryIds: z.array(Id).min(1).max(50),
    /** The model that ranks (default: the tagging model, runs:default). */
    runId: Id.optional(),
    limit: z.number().int().min(1).max(500).default(50),
  })
  .strict();

export const QueuedPoster = z.object({
  imageId: z.number(),
  libraryId: z.number(),
  posterId: z.string(),
  /** The genres the model would tag, most probable first: pre-marked in the labelling view. */
  suggested: z.array(z.string()),
  probabilities: z.record(z.string(), z.number()),
  /** Summed closeness of the scores to the thresholds (higher: more to learn). */
  uncertainty: z.number(),
  /** The genre the model is least sure about for this poster. */
  unsureGenre: z.string(),
});

export const LabelNextQueue = z.object({
  runId: z.number(),
  /** The model's backbone (a retrain from the queue uses it: its embeddings are cached). */
  backbone: z.string(),
  /** Why this model: "marked as default by you", … */
  reason: z.string(),
  genres: z.array(z.string()),
  items: z.array(QueuedPoster),
  /** Unlabelled posters of these libraries, and those without a cached embedding (not ranked: tag them first). */
  unlabelled: z.number(),
  notEmbedded: z.number(),
});

export const SimilarRequest = z.object({ imageId: Id, limit: z.number().int().min(1).max(100).default(12) }).strict();

export const SimilarPoster = z.object({ imageId: z.number(), libraryId: z.number(), libraryName: z.string(), posterId: z.string(), cosine: z.number() });

export const SimilarResult = z.object({ backbone: z.string().nullable(), items: z.array(SimilarPoster), note: z.string().optional() });

export const DuplicatesRequest = z
  .object({ libraryIds: z.array(Id).min(1).max(50), threshold: z.number().min(0.5).max(1).default(0.8), limit: z.number().int().min(1).max(5000).default(500) })
  .strict();

export const DuplicatePair = z.object({
  a: SimilarPoster.omit({ cosine: true }).extend({ split: z.string().nullable() }),
  b: SimilarPoster.omit({ cosine: true }).extend({ split: z.string().nullable() }),
  cosine: z.number(),
  crossesSplits: z.boolean(),
});

export const DuplicatesResult = z.object({ backbone: z.string().nullable(), pairs: z.array(DuplicatePair), compared: z.number(), notEmbedded: z.number() });

export const SplitLeaksRequest = z
  .object({
    libraryId: Id,
    /** pHash bits that may differ (of 64). */
    maxHamming: z.number().int().min(0).max(20).default(8),
    /** Cosine on the cached embeddings at or above which two posters are near-duplicates. */
    minCosine: z.number().min(0.5).max(1).default(0.8),
    limit: z.number().int().min(1).max(5000).default(500),
  })
  .strict();

const LeakPoster = z.object({ imageId: z.number(), posterId: z.string() });

export const LeakPair = z.object({
  train: LeakPoster,
  val: LeakPoster,
  /** What found the pair: the perceptual hash (from indexing), the embeddings (when cached), or both. */
  by: z.array(z.enum(['phash', 'embedding'])),
  hamming: z.number().nullable(),
  cosine: z.number().nullable(),
  /** The val poster already counts as train ("keep on one side"): the pair no longer leaks. */
  keptOnTrain: z.boolean(),
});

export const SplitLeaks = z.object({
  pairs: z.array(LeakPair),
  /** Pairs that still straddle train and val; pairs already kept on the train side. */
  straddling: z.number(),
  kept: z.number(),
  /** Val posters that would move to train if every straddling pair is kept on one side. */
  valToMove: z.number(),
  /** Posters per side (unassigned: no train/val folder, and no run has chosen their side yet). */
  sides: z.object({ train: z.number(), val: z.number(), unassigned: z.number() }),
  /** The backbone whose cached embeddings were compared (null: none yet, pHash only), and posters without one. */
  backbone: z.string().nullable(),
  notEmbedded: z.number(),
  note: z.string().optional(),
});

export const KeepOnTrainRequest = z.object({ libraryId: Id, imageIds: z.array(Id).min(1).max(5000), undo: z.boolean().default(false) }).strict();

export const KeepOnTrainResult = z.object({
  /** Val posters that now count as train (or, with undo, count as val again). */
  moved: z.number(),
  unchanged: z.number(),
});
