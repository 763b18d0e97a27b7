// Labels for other trainers: library:exportDataset (class-folder tree with labels.csv, Label Studio tasks)
// and library:importLabelStudio (a Label Studio JSON export's choices as labels).
import { z } from 'zod';
import { UserPath } from './user-path';

const LibraryId = z.number().int().positive();

export const DatasetExportRequest = z
  .object({
    id: LibraryId,
    /** class-folders: `path` is a new or empty folder; label-studio: `path` is the JSON file to write. */
    format: z.enum(['class-folders', 'label-studio']),
    path: UserPath,
    /** class-folders: copies of the posters, or symbolic links to them. */
    mode: z.enum(['copy', 'symlink']).default('copy'),
    /** label-studio: also the unlabelled posters, as tasks to label. */
    unlabelled: z.boolean().default(false),
    /** label-studio: how the tasks point at the images; default Label Studio's local files ("/data/local-files/?d=" + path in the library). */
    imagePrefix: z.string().max(2000).optional(),
    overwrite: z.boolean().default(false),
  })
  .strict();

export const DatasetExportResult = z.object({
  format: z.enum(['class-folders', 'label-studio']),
  path: z.string(),
  /** Posters (class folders) or tasks (Label Studio) written. */
  posters: z.number(),
  /** class-folders: files (copies or links) made, one per label. */
  files: z.number().optional(),
  csv: z.string().optional(),
  /** label-studio: the labeling config to paste into the project (an Image and a multiple-choice Choices). */
  labelConfig: z.string().optional(),
  /** The JSON file exists and overwrite was not set: nothing was written; ask, naming this file. */
  exists: z.string().optional(),
  message: z.string(),
});

export const LabelStudioImportRequest = z.object({ id: LibraryId, file: UserPath, confirm: z.boolean().optional() }).strict();

export const LabelStudioImportResult = z.object({
  /** false: only a plan (no confirm: true, or nothing to change). */
  applied: z.boolean(),
  matched: z.number(),
  changed: z.number(),
  unmatched: z.array(z.string()),
  unmatchedCount: z.number(),
  unannotated: z.number(),
  unknownGenres: z.array(z.string()),
  message: z.string(),
});
