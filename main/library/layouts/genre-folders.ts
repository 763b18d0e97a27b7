import type { ScanResult } from '../file-scan';
import type { ReportBuilder } from '../import-report';
import type { LayoutImage } from '../types';
import { stemOf } from './file-index';

/**
 * One folder per genre (`Action/x.jpg`, `Crime/x.jpg`). Files with the same name in several folders are one
 * poster with all those genres; the indexer also merges files with identical content.
 */
export function readGenreFolderLayout(_root: string, scan: ScanResult, report: ReportBuilder) {
  const genreOf = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : null);
  const folders = new Map<string, string>(); // lower → as written (first seen)
  const byStem = new Map<string, string[]>();
  for (const f of scan.files) {
    const g = genreOf(f.relPath);
    if (g === null || f.format === null) continue;
    if (!folders.has(g.toLowerCase())) folders.set(g.toLowerCase(), g);
    const key = stemOf(f.relPath).toLowerCase();
    const list = byStem.get(key) ?? [];
    const name = folders.get(g.toLowerCase())!;
    if (!list.includes(name)) list.push(name);
    byStem.set(key, list);
  }
  const images: LayoutImage[] = scan.files.map((f) => {
    const g = genreOf(f.relPath);
    if (g === null) {
      if (f.format !== null) report.add('unlisted-image', f.relPath, 'not inside a genre folder; imported unlabelled');
      return { ...f, posterId: stemOf(f.relPath), split: null, genres: null };
    }
    const key = stemOf(f.relPath).toLowerCase();
    return { ...f, posterId: stemOf(f.relPath), split: null, genres: f.format === null ? null : [...(byStem.get(key) ?? [])].sort() };
  });
  return { images, genres: [...folders.values()].sort((a, b) => a.localeCompare(b)), labelCsvs: [] };
}
