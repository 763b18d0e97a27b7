import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ScanResult } from '../file-scan';
import { looksLikeLabelHeader } from '../label-csv';
import type { LayoutKind } from '../types';
import { findTutorialSplits } from './tutorial';
import { splitOfDirName, stemOf } from './file-index';

/** Genre names seen in poster data sets (IMDb's list and common synonyms), lower case. */
const KNOWN_GENRES = new Set([
  'action',
  'adventure',
  'animation',
  'biography',
  'comedy',
  'crime',
  'documentary',
  'drama',
  'family',
  'fantasy',
  'film-noir',
  'history',
  'horror',
  'music',
  'musical',
  'mystery',
  'news',
  'reality-tv',
  'romance',
  'sci-fi',
  'science fiction',
  'scifi',
  'short',
  'sport',
  'sports',
  'thriller',
  'war',
  'western',
  'superhero',
  'kids',
  'anime',
]);

const MAX_HEADER_BYTES = 64 * 1024;

/** Only the header line of a CSV (files may be large; detection must stay fast). */
export function readCsvHeader(file: string): string[] | null {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(MAX_HEADER_BYTES);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const text = buf.subarray(0, n).toString('utf8');
      const end = text.search(/\r?\n/);
      const rows = parse(end < 0 ? text : text.slice(0, end), { bom: true, relax_column_count: true, relax_quotes: true }) as string[][];
      return rows[0]?.map((h) => h.trim()) ?? null;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

export interface Detection {
  layout: LayoutKind;
  /** CSVs that look like label files (for the csv layout). */
  labelFiles: string[];
  why: string;
}

/** Guesses the layout from the folder shape: tutorial, then label CSVs, then genre folders, else plain. */
export function detectLayout(root: string, scan: ScanResult): Detection {
  const splits = findTutorialSplits(scan);
  if (splits.some((s) => s.csv && s.csv.includes('/'))) {
    return { layout: 'tutorial', labelFiles: [], why: `split folders with metadata.csv: ${splits.map((s) => s.dir).join(', ')}` };
  }
  const labelFiles = scan.csvFiles.filter((rel) => {
    const header = readCsvHeader(path.join(root, rel));
    return header !== null && looksLikeLabelHeader(header);
  });
  if (labelFiles.length > 0) return { layout: 'csv', labelFiles, why: `label CSV: ${labelFiles.join(', ')}` };

  const topFolders = new Map<string, Set<string>>(); // folder → stems
  let atRoot = 0;
  for (const f of scan.files) {
    const slash = f.relPath.indexOf('/');
    if (slash < 0) {
      atRoot++;
      continue;
    }
    const top = f.relPath.slice(0, slash);
    if (!topFolders.has(top)) topFolders.set(top, new Set());
    topFolders.get(top)!.add(stemOf(f.relPath).toLowerCase());
  }
  const names = [...topFolders.keys()];
  if (names.length >= 2 && atRoot * 4 <= scan.files.length && !names.some((n) => splitOfDirName(n))) {
    const genreNamed = names.filter((n) => KNOWN_GENRES.has(n.toLowerCase())).length;
    const stems = new Map<string, number>();
    for (const set of topFolders.values()) for (const s of set) stems.set(s, (stems.get(s) ?? 0) + 1);
    const shared = [...stems.values()].some((n) => n >= 2);
    if (genreNamed * 2 >= names.length || (genreNamed > 0 && shared)) {
      return { layout: 'genre-folders', labelFiles: [], why: `genre folders: ${names.slice(0, 8).join(', ')}` };
    }
  }
  return { layout: 'plain', labelFiles: [], why: 'no labels found' };
}
