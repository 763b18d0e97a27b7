/** `poster-tagger dataset export|import`: a library's labels for other trainers, and Label Studio labels back. */
import path from 'node:path';
import { CliError, defineCommand, EXIT, type CliIo } from './cli-io';
import { DATA_DIR, parseCommand } from './cli-flags';
import { call, followJob, withBackend } from './cli-session';
import type { Backend } from '../backend';

const HELP = `Usage: poster-tagger dataset export <library-folder> <target> [--link | --label-studio [--unlabelled]] [--force]
       poster-tagger dataset import <library-folder> <label-studio-export.json> [--confirm]

export   The labels the app holds for the folder's posters (imported, edited, accepted predictions):
         genre folders <target>/[split/]<genre>/<id>.jpg with labels.csv beside them (copies; --link:
         symbolic links), in a new or empty folder; or --label-studio: Label Studio import tasks (JSON) in
         the file <target>, with --unlabelled also the unlabelled posters as tasks to label.
import   A Label Studio project exported as JSON: each task's latest annotation becomes its poster's
         genres. Without --confirm it only says what would change.

Options:
  --force          Replace the Label Studio file <target> if it exists
  --data-dir DIR   Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)
`;

/** The folder as an indexed library (opened if needed, new or changed files read). */
async function libraryOf(b: Backend, io: CliIo, folder: string): Promise<number> {
  const { library, job } = await call(b, 'library:open', { path: path.resolve(folder) });
  const { final, interrupted } = await followJob(b, io, job);
  if (interrupted || final.status !== 'done')
    throw new CliError(`indexing ${folder} ${interrupted ? 'was interrupted' : `failed: ${final.error ?? final.status}`}`, EXIT.failed);
  return library.id;
}

export const datasetCommand = defineCommand('dataset', HELP, async (args, io) => {
  const flags = {
    ...DATA_DIR,
    link: { type: 'boolean' },
    'label-studio': { type: 'boolean' },
    unlabelled: { type: 'boolean' },
    force: { type: 'boolean' },
    confirm: { type: 'boolean' },
  } as const;
  const { values, positionals } = parseCommand(args, flags, { min: 3, max: 3, usage: 'poster-tagger dataset export|import <library-folder> <file-or-folder>' });
  const [action, folder, target] = positionals;
  if (action !== 'export' && action !== 'import') throw new CliError(`dataset: the first word must be export or import, not "${action}"`);
  if (values.link && values['label-studio']) throw new CliError('--link is for genre folders; Label Studio tasks point at the images themselves');
  return withBackend(values['data-dir'], async (b) => {
    const id = await libraryOf(b, io, folder);
    if (action === 'import') {
      const r = await call(b, 'library:importLabelStudio', { id, file: path.resolve(target), confirm: values.confirm ?? false });
      io.out(r.message + (r.changed && !values.confirm ? ' Add --confirm to relabel them.' : ''));
      return EXIT.ok;
    }
    const r = await call(b, 'library:exportDataset', {
      id,
      format: values['label-studio'] ? 'label-studio' : 'class-folders',
      path: path.resolve(target),
      mode: values.link ? 'symlink' : 'copy',
      unlabelled: values.unlabelled ?? false,
      overwrite: values.force ?? false,
    });
    if (r.exists) {
      io.err(`poster-tagger dataset: ${r.exists} already exists; nothing was written (add --force to replace it).\n`);
      return EXIT.usage;
    }
    io.out(r.message);
    if (r.labelConfig) io.out(`Labeling config for the Label Studio project:\n${r.labelConfig}`);
    return EXIT.ok;
  });
});
