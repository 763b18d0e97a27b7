/**
 * Genre-list cells come as a Python list (`['Horror', 'Thriller']`, the tutorial's Genre column), a JSON
 * list, or a delimited string (`Action|Crime`, `Action;Crime`, `Action, Crime`). We parse all of them and
 * write back in the style the cell already had.
 */
export type ListStyle = { kind: 'bracket'; quote: "'" | '"' | ''; separator: string } | { kind: 'delimited'; separator: string };

const QUOTED = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;

export function parseGenreList(cell: string): string[] {
  const text = cell.trim();
  if (text === '') return [];
  let names: string[];
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1);
    const quoted = [...inner.matchAll(QUOTED)].map((m) => (m[1] ?? m[2]).replace(/\\(.)/g, '$1'));
    names = quoted.length > 0 ? quoted : inner.split(',');
  } else {
    const sep = text.includes('|') ? '|' : text.includes(';') ? ';' : ',';
    names = text.split(sep);
  }
  const out: string[] = [];
  for (const n of names) {
    const name = n.trim();
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

export function detectListStyle(cell: string): ListStyle | null {
  const text = cell.trim();
  if (text === '') return null;
  if (text.startsWith('[') && text.endsWith(']')) {
    const quote = text.includes("'") ? "'" : text.includes('"') ? '"' : '';
    const separator = /,\s/.test(text) || !text.includes(',') ? ', ' : ',';
    return { kind: 'bracket', quote, separator };
  }
  if (text.includes('|')) return { kind: 'delimited', separator: text.includes(' | ') ? ' | ' : '|' };
  if (text.includes(';')) return { kind: 'delimited', separator: text.includes('; ') ? '; ' : ';' };
  if (text.includes(',')) return { kind: 'delimited', separator: text.includes(', ') ? ', ' : ',' };
  return null; // a single name: no separator to learn from
}

export function formatGenreList(genres: readonly string[], style: ListStyle): string {
  if (style.kind === 'bracket') {
    const q = style.quote;
    const items = genres.map((g) => (q ? `${q}${g.replace(/\\/g, '\\\\').split(q).join(`\\${q}`)}${q}` : g));
    return `[${items.join(style.separator)}]`;
  }
  return genres.join(style.separator);
}
