/**
 * The genre keywords a sidecar carries, in the three properties photo managers read: `dc:subject` (flat;
 * exiftool, darktable's fallback, Lightroom), `lr:hierarchicalSubject` ("Genre|Drama"; darktable first,
 * Lightroom, Immich second) and `digiKam:TagsList` ("Genre/Drama"; digiKam and Immich first).
 */
export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  lr: 'http://ns.adobe.com/lightroom/1.0/',
  digiKam: 'http://www.digikam.org/ns/1.0/',
  /** Ours: which keywords Poster Tagger added, so a later export or "remove" touches only those. */
  posterTagger: 'http://ns.poster-tagger.app/xmp/1.0/',
  xmlns: 'http://www.w3.org/2000/xmlns/',
} as const;

export type Prefix = keyof typeof NS;

/** The keyword properties we write, with the array each is written as when new (digiKam and exiftool write TagsList as a Seq). */
export const KEYWORD_PROPS = [
  { key: 'subject', prefix: 'dc', name: 'subject', array: 'Bag' },
  { key: 'hierarchical', prefix: 'lr', name: 'hierarchicalSubject', array: 'Bag' },
  { key: 'tagsList', prefix: 'digiKam', name: 'TagsList', array: 'Seq' },
] as const satisfies readonly { key: string; prefix: Prefix; name: string; array: 'Bag' | 'Seq' }[];

export type KeywordKey = (typeof KEYWORD_PROPS)[number]['key'];
export type Keywords = Record<KeywordKey, string[]>;

export const DEFAULT_ROOT = 'Genre';

export interface KeywordOptions {
  /** The parent of the genres in the hierarchical properties ("Genre" → "Genre|Drama", "Genre/Drama"). */
  root?: string;
  /** No parent: every property holds the bare genre names. */
  flatOnly?: boolean;
}

/** Characters that separate hierarchy levels in Lightroom ("|") and digiKam ("/"): not allowed in a root word. */
export const ROOT_FORBIDDEN = /[|/\\]/;

export function keywordsFor(tags: readonly string[], opts: KeywordOptions = {}): Keywords {
  const flat = [...new Set(tags)];
  const root = (opts.root ?? DEFAULT_ROOT).trim();
  if (opts.flatOnly || !root) return { subject: flat, hierarchical: [...flat], tagsList: [...flat] };
  if (ROOT_FORBIDDEN.test(root)) throw new Error(`The root word "${root}" cannot contain | / or \\`);
  // A genre's own "/" or "|" would read as a deeper level: those become a look-alike that does not.
  const leaf = (t: string) => t.replace(/[|/]/g, '∕');
  return { subject: flat, hierarchical: flat.map((t) => `${root}|${leaf(t)}`), tagsList: flat.map((t) => `${root}/${leaf(t)}`) };
}
