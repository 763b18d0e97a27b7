// Shapes of the library and gallery calls. The back-end modules have matching TypeScript interfaces;
// test/unit/api/schema-types.test.ts proves at compile time that the two never drift apart.
import { z } from 'zod';

export const Split = z.enum(['train', 'val', 'test', 'predict']);
export const LayoutSetting = z.enum(['auto', 'tutorial', 'genre-folders', 'csv', 'plain']);

export const LibraryRow = z.object({
  id: z.number(),
  root: z.string(),
  name: z.string(),
  layout: LayoutSetting,
  createdAt: z.string(),
  indexedAt: z.string().nullable(),
  imageCount: z.number(),
  labelledCount: z.number(),
  errorCount: z.number(),
  pendingEdits: z.number(),
});

export const ImportIssue = z.object({
  kind: z.string(),
  file: z.string(),
  line: z.number().optional(),
  message: z.string(),
});

export const ImportReport = z.object({
  layout: z.string(),
  counts: z.record(z.string(), z.number()),
  issues: z.array(ImportIssue),
  truncated: z.boolean(),
  totals: z.object({ images: z.number(), labelled: z.number(), genres: z.number() }),
});

const LibraryId = z.number().int().positive();

export const PosterQuery = z
  .object({
    libraryId: LibraryId,
    genres: z.array(z.string().min(1).max(100)).max(100).optional(),
    genreMode: z.enum(['any', 'all']).optional(),
    split: z.union([Split, z.literal('none')]).optional(),
    labelled: z.boolean().optional(),
    broken: z.boolean().optional(),
    search: z.string().max(500).optional(),
    after: z.string().max(4096).optional(),
    offset: z.number().int().min(0).optional(),
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
  genres: z.array(z.string()),
});

export const PosterPage = z.object({
  total: z.number(),
  items: z.array(PosterSummary),
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
