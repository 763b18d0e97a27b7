/**
 * A poster file's stored error in plain words: a short sentence for the card and the panel, and the decoder's
 * own text once, as a detail (tooltip or "Details"). Old rows may hold the decoder's line several times.
 */
export interface ImageProblem {
  summary: string;
  /** The technical text, each line once; '' when the summary says it all. */
  detail: string;
}

const FORMAT_NAMES: Record<string, string> = { jpg: 'JPEG', jpeg: 'JPEG', png: 'PNG', webp: 'WebP' };

function formatName(file: string, format?: string | null): string {
  const ext = (format || file.split('.').pop() || '').toLowerCase();
  return FORMAT_NAMES[ext] ?? 'image';
}

function distinct(text: string): string {
  const unique = [
    ...new Set(
      text
        .split(/\r?\n|;\s+/)
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  return unique.filter((l) => !unique.some((m) => m !== l && m.includes(l))).join('; ');
}

export function imageProblem(error: string, file: string, format?: string | null): ImageProblem {
  const name = formatName(file, format);
  const article = name === 'image' ? 'an' : 'a';
  if (/^cannot decode image/i.test(error)) {
    return {
      summary: `This file is not ${article} readable ${name} (it may be damaged or truncated)`,
      detail: distinct(error.replace(/^cannot decode image:\s*/i, '')),
    };
  }
  if (/^empty file/i.test(error)) return { summary: 'This file is empty (0 bytes)', detail: '' };
  if (/^(not a |unsupported format)/i.test(error) || error === 'not an image') {
    return { summary: 'This file is not an image (not a JPEG, PNG or WebP)', detail: distinct(error) };
  }
  if (/^image too large/i.test(error)) return { summary: 'This image is too large to show', detail: distinct(error) };
  if (/^cannot read/i.test(error)) return { summary: 'This file cannot be read (permissions, or a drive that went away)', detail: distinct(error) };
  return { summary: distinct(error), detail: '' };
}

/** "57 bytes", "12 KB", "3.4 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The import report's problem kinds, as a person would name the group. */
export const ISSUE_KIND_NAMES: Record<string, string> = {
  'csv-unreadable': 'CSV files that could not be read',
  'malformed-row': 'Rows that could not be read',
  'missing-id': 'Rows without an id',
  'duplicate-id': 'Ids listed twice',
  'missing-image': 'Rows without an image',
  'unlisted-image': 'Images not in the CSV',
  'unknown-genre': 'Unknown genres',
  'bad-label-value': 'Label values that are not 0 or 1',
  'genre-mismatch': 'Genre lists that disagree with the 0/1 columns',
  'ignored-column': 'Columns that were ignored',
  'unreadable-file': 'Files that could not be opened',
  'not-an-image': 'Files that are not images',
  'decode-failed': 'Images that could not be decoded',
  'image-too-large': 'Images too large to decode',
  'removed-with-user-labels': 'Removed files that had your labels',
};

export function issueKindName(kind: string): string {
  return ISSUE_KIND_NAMES[kind] ?? kind.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
}
