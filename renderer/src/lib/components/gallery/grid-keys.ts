/**
 * Where an arrow, Home/End or Page key moves the focus in a grid of `count` cards laid out in `columns`;
 * undefined for other keys. ↑/↓ keep the column; at the edges the focus stays.
 */
export function moveIndex(key: string, index: number, count: number, columns: number, rowsPerPage = 1): number | undefined {
  if (count <= 0) return undefined;
  const clamp = (i: number) => Math.min(Math.max(0, i), count - 1);
  switch (key) {
    case 'ArrowRight':
      return clamp(index + 1);
    case 'ArrowLeft':
      return clamp(index - 1);
    case 'ArrowDown':
      return index + columns < count ? index + columns : index;
    case 'ArrowUp':
      return index - columns >= 0 ? index - columns : index;
    case 'PageDown':
      return clamp(index + columns * rowsPerPage);
    case 'PageUp':
      return clamp(index - columns * rowsPerPage);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}

/** The keys that toggle genres in the detail panel, in vocabulary order: 1–9, 0, then the letter rows. */
export const GENRE_KEYS = '1234567890qwertyuiopasdfghjklzxcvbnm'.split('');

/** The genre a key toggles (case-insensitive), if any. */
export function genreForKey(key: string, vocabulary: readonly string[]): string | undefined {
  const i = GENRE_KEYS.indexOf(key.toLowerCase());
  return i >= 0 ? vocabulary[i] : undefined;
}
