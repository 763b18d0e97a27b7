/** Shapes shared by the layout readers, the indexer and the queries. */
import type { ScannedFile } from './file-scan';
import type { ImportReport } from './import-report';

export type Split = 'train' | 'val' | 'test' | 'predict';
export const SPLITS: readonly Split[] = ['train', 'val', 'test', 'predict'];

export type LayoutKind = 'tutorial' | 'genre-folders' | 'csv' | 'plain';
/** What a library row stores: a fixed layout, or 'auto' to detect it on every index. */
export type LayoutSetting = LayoutKind | 'auto';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** One image file as a layout reader sees it (relPath is relative to the root, '/' separated). */
export interface LayoutImage extends ScannedFile {
  posterId: string;
  split: Split | null;
  /** null: the layout has no labels for this image (unlabelled); [] is a labelled poster with no genre. */
  genres: string[] | null;
}

/** A CSV that holds labels, described well enough to write edited labels back into it. */
export interface LabelCsv {
  /** Relative to the library root. */
  relPath: string;
  idColumn: string;
  /** Column holding a genre list such as `['Horror', 'Thriller']` (tutorial `Genre`, or the csv layout's). */
  listColumn: string | null;
  /** genre name → its 0/1 column name. */
  flagColumns: Record<string, string>;
  /** Split of the rows (tutorial layout), or null. */
  split: Split | null;
}

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
