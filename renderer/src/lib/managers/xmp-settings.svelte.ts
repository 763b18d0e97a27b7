import type { CallInput } from '../../../../contract';
import { Persisted } from './persisted.svelte';

/** The XMP export's naming and keyword shape (tag:export's `xmp`), remembered across restarts. */
export type XmpSettings = NonNullable<CallInput<'tag:export'>['xmp']>;

const isSettings = (v: unknown): v is XmpSettings => {
  const o = v as XmpSettings | null;
  return Boolean(
    o &&
    typeof o === 'object' &&
    (o.naming === undefined || o.naming === 'image-ext' || o.naming === 'basename') &&
    (o.root === undefined || typeof o.root === 'string') &&
    (o.flatOnly === undefined || typeof o.flatOnly === 'boolean'),
  );
};

export const xmpSettings = new Persisted<XmpSettings>('xmp-settings', { naming: 'image-ext', root: 'Genre', flatOnly: false }, isSettings);

/** A root word the back end accepts: empty falls back to "Genre". */
export function rootProblem(root: string | undefined): string | undefined {
  if (root && /[|/\\]/.test(root)) return 'The root word cannot contain | / or \\';
  if (root && root.trim().length > 50) return 'At most 50 characters';
  return undefined;
}

/** What tag:export gets: a blank root word means the default. */
export function xmpRequest(s: XmpSettings): XmpSettings {
  return { naming: s.naming, flatOnly: s.flatOnly || undefined, root: s.flatOnly || !s.root?.trim() ? undefined : s.root.trim() };
}
