/** `poster-tagger remove-xmp <folder>...`: takes Poster Tagger's genre keywords out of the folders' XMP sidecars. */
import path from 'node:path';
import { CliError, defineCommand, EXIT } from './cli-io';
import { DATA_DIR, parseCommand } from './cli-flags';
import { call, withBackend } from './cli-session';

const HELP = `Usage: poster-tagger remove-xmp <folder>... [--overwrite] [--data-dir DIR]

Removes the genre keywords Poster Tagger wrote into the XMP sidecars of the images in tagged folders
(either naming). Everything else in a sidecar is kept; a sidecar Poster Tagger created that holds nothing
else is deleted. Without --overwrite it only says which sidecars it would change.

Options:
  --overwrite      Change the sidecars
  --data-dir DIR   Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)
`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const removeXmpCommand = defineCommand('remove-xmp', HELP, async (args, io) => {
  const { values, positionals } = parseCommand(
    args,
    { ...DATA_DIR, overwrite: { type: 'boolean' } },
    { min: 1, usage: 'poster-tagger remove-xmp <folder>... [--overwrite]' },
  );
  return withBackend(values['data-dir'], async (b) => {
    for (const folder of positionals.map((f) => path.resolve(f))) {
      const out = await call(b, 'tag:removeXmp', { folder, overwrite: values.overwrite });
      if (out.exists) {
        const n = (out.replace?.count ?? 0) + (out.merge?.count ?? 0);
        throw new CliError(
          `${plural(n, 'XMP sidecar')} in ${folder} hold Poster Tagger keywords (e.g. ${out.exists}); nothing was changed (add --overwrite to remove them)`,
          EXIT.failed,
        );
      }
      const deleted = out.deleted ? ` (${plural(out.deleted, 'sidecar')} of its own deleted)` : '';
      io.err(`${folder}: removed Poster Tagger keywords from ${plural(out.filesWritten, 'XMP sidecar')}${deleted}\n`);
      for (const s of out.skipped.slice(0, 5)) io.err(`  skipped: ${s.file}: ${s.reason}\n`);
    }
    return EXIT.ok;
  });
});
