/** `poster-tagger export <run> <file>`: a run's model as one portable file (runs:export). */
import path from 'node:path';
import { defineCommand, EXIT } from './cli-io';
import { DATA_DIR, parseCommand, parseRunId } from './cli-flags';
import { call, withBackend } from './cli-session';

const HELP = `Usage: poster-tagger export <run> <file> [--force] [--data-dir DIR]

Writes a trained run's model (weights, genres, thresholds, backbone fingerprint) as one file, checksummed,
to use on another computer with "poster-tagger import <file>".

Options:
  --force          Overwrite <file> if it exists
  --data-dir DIR   Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)
`;

export const exportCommand = defineCommand('export', HELP, async (args, io) => {
  const { values, positionals } = parseCommand(
    args,
    { ...DATA_DIR, force: { type: 'boolean' } },
    { min: 2, max: 2, usage: 'poster-tagger export <run> <file> [--force]' },
  );
  const id = parseRunId(positionals[0]);
  return withBackend(values['data-dir'], async (b) => {
    const { file, bytes, exists } = await call(b, 'runs:export', { id, file: path.resolve(positionals[1]), overwrite: values.force ?? false });
    if (exists) {
      io.err(`poster-tagger export: ${exists} already exists; nothing was written (add --force to replace it).\n`);
      return EXIT.usage;
    }
    io.out(`Exported run #${id} to ${file} (${(bytes / 1024).toFixed(0)} KiB).`);
    return EXIT.ok;
  });
});
