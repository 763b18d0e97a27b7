import type { ScanResult } from '../file-scan';
import type { LayoutImage } from '../types';
import { splitOfPath, stemOf } from './file-index';

/** A folder tree of images with no labels; a top folder named train/val/test/predict still gives the split. */
export function readPlainLayout(_root: string, scan: ScanResult) {
  const images: LayoutImage[] = scan.files.map((f) => ({ ...f, posterId: stemOf(f.relPath), split: splitOfPath(f.relPath), genres: null }));
  return { images, genres: [] as string[], labelCsvs: [] };
}
