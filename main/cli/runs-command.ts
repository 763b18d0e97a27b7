/** `poster-tagger runs`: the training runs, newest first. */
import { defineCommand, EXIT } from './cli-io';
import { DATA_DIR, parseCommand } from './cli-flags';
import { call, withBackend } from './cli-session';
import { num, table } from './cli-report';

const HELP = `Usage: poster-tagger runs [--json] [--data-dir DIR]

Lists the training runs, newest first: status, backbone, head, genres, data, validation metrics of the
kept epoch (at the tuned thresholds) and whether a model is saved.
`;

export const runsCommand = defineCommand('runs', HELP, async (args, io) => {
  const { values } = parseCommand(args, { ...DATA_DIR, json: { type: 'boolean' } }, { min: 0, max: 0, usage: 'poster-tagger runs [--json]' });
  return withBackend(values['data-dir'], async (b) => {
    const runs = await call(b, 'runs:list', {});
    if (values.json) {
      io.out(JSON.stringify(runs, null, 2));
      return EXIT.ok;
    }
    if (runs.length === 0) {
      io.out('No training runs yet. Train one with: poster-tagger train <dataset-folder>');
      return EXIT.ok;
    }
    io.out(
      table(
        ['run', 'status', 'created', 'backbone', 'head', 'genres', 'mAP', 'micro-F1', 'macro-F1', 'model', 'data'],
        runs.map((r) => [
          `#${r.id}`,
          r.status,
          r.createdAt.slice(0, 16).replace('T', ' '),
          r.backbone,
          r.head,
          String(r.genres.length),
          num(r.best?.mAP),
          num(r.best?.microF1),
          num(r.best?.macroF1),
          r.hasModel ? 'yes' : 'no',
          r.dataset,
        ]),
      ),
    );
    return EXIT.ok;
  });
});
