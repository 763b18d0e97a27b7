// Shapes of the batch-tagging calls (tag:*, predictions:*, posters:queryPredicted).
import { z } from 'zod';
import { PosterPage, PosterQuery, PosterSummary } from './library';
import { UserPath } from './user-path';
import { XmpSettings } from './xmp';

const RunId = z.number().int().positive();
const ImageId = z.number().int().positive();
/** Typed by the user: `~` expanded, relative paths refused (see core/user-path). */
const Path = UserPath;
const GenreName = z.string().trim().min(1).max(100);
const Confidence = z.number().min(0).max(1);

export const TagStart = z
  .object({
    /** Default: the run marked as the default model, else the latest finished run (see runs:default). */
    runId: RunId.optional(),
    folders: z.array(Path).min(1).max(100),
    /** Re-tag posters that already have a prediction of this run. */
    force: z.boolean().optional(),
    /** "Fast": the poster as it is only, not also its mirror image (half the backbone passes, a little less accurate). */
    fast: z.boolean().optional(),
  })
  .strict();

/** tag:retag — after promoting a run, re-tag what its predecessor (or it) tagged; only changed posters are rewritten. */
export const TagRetag = z
  .object({
    runId: RunId,
    /** The model it replaces (default: the one Tag would use without this run). */
    fromRunId: RunId.optional(),
    /** Default: the libraries either run has tagged. */
    libraryIds: z.array(z.number().int().positive()).max(100).optional(),
  })
  .strict();

/** Result summary of a finished tagging job (JobSnapshot.result). */
export const TagSummary = z.object({
  runId: z.number(),
  libraryIds: z.array(z.number()),
  /** Distinct posters (by content) in the libraries, readable or not. */
  posters: z.number(),
  /** Predicted and stored in this job. */
  tagged: z.number(),
  /** Had a prediction of this run already (unchanged files). */
  alreadyTagged: z.number(),
  failed: z.number(),
  /** The first failures with their reasons (all are counted in `failed`). */
  failures: z.array(z.object({ path: z.string(), reason: z.string() })),
  seconds: z.number(),
  /**
   * A re-tag after promoting a model (tag:retag): of the `tagged` posters predicted again, how many got
   * other tags than they showed before (this run's earlier prediction, else that of `fromRunId`, the model
   * it replaced) and how many rows were written (only those whose tags changed, or that had none).
   */
  retag: z.object({ fromRunId: z.number().nullable(), changed: z.number(), rewritten: z.number() }).optional(),
});

/** A poster's prediction by one run, as a gallery card shows it. */
export const PredictionView = z.object({
  probabilities: z.record(z.string(), z.number()),
  /** Tags that passed the model's thresholds, minus the rejected ones. */
  tags: z.array(z.string()),
  rejected: z.array(z.string()),
});

export const ForImages = z.object({ runId: RunId, imageIds: z.array(ImageId).min(1).max(1000) }).strict();
export const ImagePredictions = z.array(z.object({ imageId: z.number(), prediction: PredictionView.nullable() }));

/** posters:query's filters plus prediction filters of one run. */
export const PredictedQuery = PosterQuery.extend({
  runId: RunId,
  /** Alone: posters tagged with this genre; with a confidence bound: its probability in [min, max]. */
  genre: GenreName.optional(),
  minConfidence: Confidence.optional(),
  maxConfidence: Confidence.optional(),
  /** true: only posters the run has tagged; false: only those not tagged yet. */
  predicted: z.boolean().optional(),
}).strict();

export const PredictedPage = PosterPage.extend({
  items: z.array(PosterSummary.extend({ prediction: PredictionView.nullable() })),
});

export const Accept = z
  .object({
    runId: RunId,
    imageIds: z.array(ImageId).min(1).max(10_000),
    /** Omitted: each poster's visible predicted tags. */
    genres: z.array(GenreName).min(1).max(200).optional(),
  })
  .strict();
export const AcceptResult = z.object({
  accepted: z.number(),
  labelsAdded: z.number(),
  notPredicted: z.array(z.number()),
  libraryIds: z.array(z.number()),
});

export const Reject = z
  .object({
    runId: RunId,
    imageId: ImageId,
    genre: GenreName,
    /** Show a rejected tag again. */
    undo: z.boolean().optional(),
  })
  .strict();

export const ExportFormat = z.enum(['csv', 'json', 'metadata-csv', 'xmp', 'jpeg-copies']);

export const TagExport = z
  .object({
    runId: RunId,
    libraryIds: z.array(z.number().int().positive()).min(1).max(100).optional(),
    /** Instead of libraryIds: an opened library's folder. */
    folder: Path.optional(),
    format: ExportFormat,
    /** Target file (csv, json, metadata-csv). Default: csv/json under the data folder's exports/, metadata-csv in the folder. */
    file: Path.optional(),
    /** Replace the target file if it exists (after the user confirmed it by name); otherwise nothing is written and the result names the existing file (`exists`). */
    overwrite: z.boolean().optional(),
    /** XMP: write only the sidecars that do not exist yet; our existing ones stay as they are (the user chose "Keep them"). */
    keepExisting: z.boolean().optional(),
    /** XMP sidecars and JPEG copies: naming, root word, flat only (see schemas/xmp). */
    xmp: XmpSettings.optional(),
    /** jpeg-copies: the folder the copies go to (outside the tagged folders; the originals are never touched). */
    copiesFolder: Path.optional(),
  })
  .strict()
  .refine((v) => (v.libraryIds ? 1 : 0) + (v.folder ? 1 : 0) === 1, { message: 'Give either libraryIds or folder' });

export const ExportResult = z.object({
  files: z.array(z.string()),
  filesWritten: z.number(),
  count: z.number(),
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
  /** The target exists and overwrite was not set: nothing was written; ask the user, naming this file. */
  exists: z.string().optional(),
  /** XMP, with `exists`: our own sidecars this export would change (how many, the first few) and how many it would newly write. */
  replace: z.object({ count: z.number(), files: z.array(z.string()), newFiles: z.number() }).optional(),
  /** Files that already held exactly this export (ignoring its timestamp): left alone, not rewritten. */
  unchanged: z.number().optional(),
  /** XMP with keepExisting: our existing sidecars left as they were. */
  kept: z.number().optional(),
  /** XMP, with `exists`: other programs' sidecars our keywords would be merged into (everything else in them kept). */
  merge: z.object({ count: z.number(), files: z.array(z.string()) }).optional(),
  /** tag:removeXmp: sidecars Poster Tagger had created that held nothing else, deleted. */
  deleted: z.number().optional(),
});

/** tag:distribution — how often a run tagged each genre in these libraries, next to its share in the training labels. */
export const DistributionRequest = z.object({ runId: RunId, libraryIds: z.array(z.number().int().positive()).min(1).max(100) }).strict();
export const DistributionFlag = z.enum(['over', 'under']);
export const TagDistribution = z.object({
  runId: z.number(),
  /** Posters of these libraries the run has a prediction for. */
  posters: z.number(),
  /** Posters the training share is measured on (the run's evaluation posters); null when unknown. */
  trainingPosters: z.number().nullable(),
  genres: z.array(
    z.object({
      genre: z.string(),
      /** Posters tagged with it (rejected tags not counted), as the gallery's predicted-genre filter finds them. */
      tagged: z.number(),
      taggedShare: z.number(),
      trainingShare: z.number().nullable(),
      /** Tagged far more (over) or less (under) often than its training share. */
      flag: DistributionFlag.nullable(),
    }),
  ),
});
