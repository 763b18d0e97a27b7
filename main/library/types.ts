/** Shapes shared by the layout readers, the indexer and the queries. */
import type { z } from 'zod';
import { Split as SplitSchema, type LayoutSetting as LayoutSettingSchema, type LabelCsv as LabelCsvSchema } from '../../contract/schemas/library';
import type { ScannedFile } from './file-scan';
import type { ImportReport } from './import-report';

export type Split = z.infer<typeof SplitSchema>;
export const SPLITS: readonly Split[] = SplitSchema.options;

/** What a library row stores: a fixed layout, or 'auto' to detect it on every index. */
export type LayoutSetting = z.infer<typeof LayoutSettingSchema>;
export type LayoutKind = Exclude<LayoutSetting, 'auto'>;

export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** One image file as a layout reader sees it (relPath is relative to the root, '/' separated). */
export interface LayoutImage extends ScannedFile {
  posterId: string;
  split: Split | null;
  /** null: the layout has no labels for this image (unlabelled); [] is a labelled poster with no genre. */
  genres: string[] | null;
}

/** A CSV that holds labels, described well enough to write edited labels back into it. */
export type LabelCsv = z.infer<typeof LabelCsvSchema>;

export interface LayoutResult {
  layout: LayoutKind;
  images: LayoutImage[];
  /** Genre names in column / display order. */
  genres: string[];
  labelCsvs: LabelCsv[];
  report: ImportReport;
  /** Files with the same posterId (or, once hashed, the same content) are one poster (genre-folder layout). */
  groupPosters: boolean;
}
