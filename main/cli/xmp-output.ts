/** The `tag` command's XMP and JPEG-copies exports: flags, the calls, and what they report. */
import path from 'node:path';
import type { Backend } from '../backend';
import type { CallOutput } from '../../contract';
import { CliError, EXIT, type CliIo } from './cli-io';
import { call } from './cli-session';

export const XMP_FLAGS = {
  xmp: { type: 'boolean' },
  'xmp-naming': { type: 'string' },
  'xmp-root': { type: 'string' },
  'xmp-flat': { type: 'boolean' },
  'jpeg-copies': { type: 'string' },
} as const;

export const XMP_HELP = `  --xmp                Write the genres into XMP sidecars next to each poster (dc:subject, lr:hierarchicalSubject
                       and digiKam:TagsList), merged into existing sidecars: everything else in them is kept
  --xmp-naming N       image-ext (poster.jpg.xmp; default: digiKam, darktable, Immich) or basename (poster.xmp; Lightroom)
  --xmp-root WORD      Parent keyword of the genres (default Genre: Genre|Drama, Genre/Drama)
  --xmp-flat           No parent keyword: bare genre names in every property
  --jpeg-copies DIR    Also write copies of the JPEGs with the genres embedded (IPTC Keywords + XMP) into DIR`;

type Values = { xmp?: boolean; 'xmp-naming'?: string; 'xmp-root'?: string; 'xmp-flat'?: boolean; 'jpeg-copies'?: string; overwrite?: boolean };

export function xmpSettingsOf(values: Values): { naming?: 'image-ext' | 'basename'; root?: string; flatOnly?: boolean } {
  const naming = values['xmp-naming'];
  if (naming !== undefined && naming !== 'image-ext' && naming !== 'basename')
    throw new CliError(`--xmp-naming must be image-ext or basename, not "${naming}"`);
  return { naming, root: values['xmp-root'], flatOnly: values['xmp-flat'] };
}

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

function report(io: CliIo, what: [string, string], out: CallOutput<'tag:export'>) {
  const unchanged = out.unchanged ? `; ${out.unchanged} already up to date` : '';
  io.err(`Wrote ${plural(out.filesWritten, ...what)}${unchanged}${out.skipped.length ? `; skipped ${out.skipped.length}` : ''}\n`);
  for (const s of out.skipped.slice(0, 5)) io.err(`  skipped: ${s.file}: ${s.reason}\n`);
}

/** Without --overwrite, files that would change are named and nothing is written. */
function refuse(out: CallOutput<'tag:export'>, what: string): never {
  const parts: string[] = [];
  if (out.replace?.count) parts.push(`${plural(out.replace.count, what)} written by Poster Tagger would change (e.g. ${out.replace.files[0]})`);
  if (out.merge?.count) parts.push(`${plural(out.merge.count, 'sidecar')} of other programs would get the genres merged in (e.g. ${out.merge.files[0]})`);
  throw new CliError(`${parts.join('; ')}; nothing was written (add --overwrite to go ahead)`, EXIT.failed);
}

export async function exportXmpAndCopies(b: Backend, io: CliIo, target: { runId: number; libraryIds: number[] }, values: Values): Promise<void> {
  const xmp = xmpSettingsOf(values);
  if (values.xmp) {
    const out = await call(b, 'tag:export', { ...target, format: 'xmp', xmp, overwrite: values.overwrite });
    if (out.exists) refuse(out, 'XMP sidecar');
    report(io, ['XMP sidecar', 'XMP sidecars'], out);
  }
  const dir = values['jpeg-copies'];
  if (dir !== undefined) {
    const out = await call(b, 'tag:export', { ...target, format: 'jpeg-copies', xmp, copiesFolder: path.resolve(dir), overwrite: values.overwrite });
    if (out.exists) refuse(out, 'JPEG copy');
    report(io, ['JPEG copy with keywords', 'JPEG copies with keywords'], out);
  }
}
