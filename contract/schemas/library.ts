// Shapes of the library and gallery calls: the one definition of each. The back-end modules (main/library)
// take their types from these with z.infer, so the contract and the code cannot drift apart.
import { z } from 'zod';

export const Split = z.enum(['train', 'val', 'test', 'predict']);
export const LayoutSetting = z.enum(['auto', 'tutorial', 'genre-folders', 'csv', 'plain']);

export const LibraryRow = z.object({
  id: z.number(),
  root: z.string(),
  name: z.string(),
  /** The layout setting ('auto' = detected at each index; the report says which one was used). */
  layout: LayoutSetting,
  createdAt: z.string(),
  indexedAt: z.string().nullable(),
  imageCount: z.number(),
  labelledCount: z.number(),
  errorCount: z.number(),
  /** Labels edited in the app and not yet written back to a CSV. */
  pendingEdits: z.number(),
});

export const IssueKind = z.enum([
  'csv-unreadable',
  'malformed-row',
  'missing-id',
  'duplicate-id',
  'missing-image',
  'unlisted-image',
  'unknown-genre',
  'bad-label-value',
  'genre-mismatch',
  'ignored-column',
  'unreadable-file',
  'not-an-image',
  'decode-failed',
  'image-too-large',
  'removed-with-user-labels',
]);

export const ImportIssue = z.object({
  kind: IssueKind,
  /** Relative to the library root. */
  file: z.string(),
  /** 1-based line in `file` (CSV issues). */
  line: z.number().optional(),
  message: z.string(),
});

/** A CSV that holds labels, described well enough to write edited labels back into it. */
export const LabelCsv = z.object({
  /** Relative to the library root. */
  relPath: z.string(),
  idColumn: z.string(),
  /** Column holding a genre list such as `['Horror', 'Thriller']` (tutorial `Genre`, or the csv layout's). */
  listColumn: z.string().nullable(),
  /** genre name → its 0/1 column name. */
  flagColumns: z.record(z.string(), z.string()),
  /** Split of the rows (tutorial layout), or null. */
  split: Split.nullable(),
});

export const ImportReport = z.object({
  layout: z.string(),
  counts: z.partialRecord(IssueKind, z.number()),
  issues: z.array(ImportIssue),
  /** True when more issues were counted than listed. */
  truncated: z.boolean(),
  totals: z.object({ images: z.number(), labelled: z.number(), genres: z.number() }),
  /** The CSVs labels were read from (what write-back writes to). */
  labelCsvs: z.array(LabelCsv).optional(),
});

const LibraryId = z.number().int().positive();

export const PosterQuery = z
  .object({
    libraryId: LibraryId,
    /** Genre names (case-insensitive). */
    genres: z.array(z.string().min(1).max(100)).max(100).optional(),
    /** 'any' (default): at least one of `genres`; 'all': every one of them. */
    genreMode: z.enum(['any', 'all']).optional(),
    /** A split, 'none' for images without one, or undefined for all. */
    split: z.union([Split, z.literal('none')]).optional(),
    /** true: only posters with labels (imported or set by the user); false: only unlabelled ones. */
    labelled: z.boolean().optional(),
    /** true: only files that failed to read; false: only good ones. */
    broken: z.boolean().optional(),
    /** Part of the poster id or the relative path (case-insensitive). */
    search: z.string().max(500).optional(),
    /** Keyset paging: rows after this relPath (from `nextCursor`); takes precedence over offset. */
    after: z.string().max(4096).optional(),
    offset: z.number().int().min(0).optional(),
    /** Default 100, at most 1000. */
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const PosterSummary = z.object({
  id: z.number(),
  relPath: z.string(),
  posterId: z.string(),
  split: Split.nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  hash: z.string().nullable(),
  thumbStatus: z.enum(['pending', 'ready', 'failed']),
  error: z.string().nullable(),
  labelsSource: z.enum(['import', 'user']).nullable(),
  /** Genre names in vocabulary order. */
  genres: z.array(z.string()),
});

export const PosterPage = z.object({
  /** Rows matching the filters (all pages). */
  total: z.number(),
  items: z.array(PosterSummary),
  /** Pass as `after` for the next page; null at the end. */
  nextCursor: z.string().nullable(),
});

export const GenreCount = z.object({
  id: z.number(),
  name: z.string(),
  position: z.number(),
  total: z.number(),
  bySplit: z.record(z.string(), z.number()),
});

export const PosterDetail = PosterSummary.extend({
  libraryId: z.number(),
  absPath: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  format: z.string().nullable(),
  labels: z.array(z.object({ genre: z.string(), source: z.enum(['import', 'user']) })),
  /** Other files of the same poster (genre-folder layout). */
  duplicates: z.array(z.string()),
});

export const LibraryRef = z.object({ id: LibraryId }).strict();

export const WriteBackRequest = z
  .object({
    id: LibraryId,
    /** Without it nothing is written: the answer names the files that would be replaced, for the user to confirm. */
    confirm: z.boolean().optional(),
  })
  .strict();

export const WriteBackResult = z.object({
  /** false: only a plan (no `confirm: true`); nothing was touched. */
  written: z.boolean(),
  /** The label CSVs replaced (or to be replaced), with their full paths and how many edited posters go into each. */
  targets: z.array(z.object({ file: z.string(), absPath: z.string(), posters: z.number() })),
  /** Edited posters waiting to be written. */
  pending: z.number(),
  /** Where the previous versions are (or will be) kept. */
  backupDir: z.string(),
  files: z.array(z.object({ file: z.string(), rowsChanged: z.number() })),
  message: z.string(),
});

const ImageId = z.number().int().positive();
const LabelSource = z.enum(['import', 'user']);

export const LabelState = z
  .object({
    id: ImageId,
    labelsSource: LabelSource.nullable(),
    labels: z.array(z.object({ genre: z.string().min(1).max(100), source: LabelSource }).strict()).max(200),
  })
  .strict();

/** The gallery's filters without paging, optionally with a model's prediction filter: for "select all". */
export const PosterIdsQuery = PosterQuery.omit({ after: true, offset: true, limit: true })
  .extend({
    runId: ImageId.optional(),
    predictedGenre: z.string().min(1).max(100).optional(),
    minConfidence: z.number().min(0).max(1).optional(),
  })
  .strict();

/** genres:cooccurrence — how often two genres label the same poster (the side panel's heatmap). */
export const CooccurrenceRequest = z.object({ libraryId: LibraryId, split: z.union([Split, z.literal('none')]).optional() }).strict();
export const Cooccurrence = z.object({
  /** The library's genres in vocabulary order. */
  genres: z.array(z.string()),
  /** counts[a][b]: posters labelled with both genres a and b; counts[a][a]: posters labelled a. */
  counts: z.array(z.array(z.number())),
  /** Labelled posters counted (in the split, when one is given). */
  posters: z.number(),
});
