/** `poster-tagger import <file>`: an exported model becomes a new run, usable by predict, tag and the app. */
import path from 'node:path';
import { defineCommand, EXIT } from './cli-io';
import { DATA_DIR, parseCommand } from './cli-flags';
import { call, withBackend } from './cli-session';

const HELP = `Usage: poster-tagger import <file> [--json] [--data-dir DIR]

Adds a model exported with "poster-tagger export" (or from the app) as a new run. The file is checked
first: a damaged or changed file, or a model whose backbone is not installed here (or is a different
build of it), is refused and nothing is added.

Options:
  --json           Print the new run as JSON
  --data-dir DIR   Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)
`;

export const importCommand = defineCommand('import', HELP, async (args, io) => {
  const { values, positionals } = parseCommand(args, { ...DATA_DIR, json: { type: 'boolean' } }, { min: 1, max: 1, usage: 'poster-tagger import <file>' });
  return withBackend(values['data-dir'], async (b) => {
    const run = await call(b, 'runs:import', { file: path.resolve(positionals[0]) });
    if (values.json) io.out(JSON.stringify(run, null, 2));
    else io.out(`Imported as run #${run.id}: ${run.backbone}, ${run.head} head, ${run.genres.length} genres (${run.genres.join(', ')}).`);
    return EXIT.ok;
  });
});
