/** `poster-tagger runs`: the training runs, newest first, and which one is the default model. */
import { defineCommand, EXIT } from './cli-io';
import { DATA_DIR, parseCommand, parseRunId } from './cli-flags';
import { call, withBackend } from './cli-session';
import { num, table } from './cli-report';

const HELP = `Usage: poster-tagger runs [--json] [--prefer RUN|none] [--data-dir DIR]

Lists the training runs, newest first: status, backbone, head, genres, data, validation metrics of the
kept epoch (at the tuned thresholds), whether a model is saved, how it tags (mode, at most N tags, saved
thresholds) and which run is the default model of "tag default", the app's Tag view and Try it: the one
marked as default, else the latest finished run.

Options:
  --prefer RUN   Mark RUN as the default model ("none": unmark the current one), then list
  --json         Machine-readable output
  --data-dir DIR Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)
`;

/** "balanced", "precise, max 2, 3 thresholds saved". */
function taggingCell(t: { mode: string; maxTags: number | null; overrides: (number | null)[] | null }): string {
  const saved = t.overrides?.filter((x) => x !== null).length ?? 0;
  return [t.mode, t.maxTags ? `max ${t.maxTags}` : '', saved ? `${saved} threshold${saved === 1 ? '' : 's'} saved` : ''].filter(Boolean).join(', ');
}

export const runsCommand = defineCommand('runs', HELP, async (args, io) => {
  const { values } = parseCommand(
    args,
    { ...DATA_DIR, json: { type: 'boolean' }, prefer: { type: 'string' } },
    { min: 0, max: 0, usage: 'poster-tagger runs [--json] [--prefer RUN|none]' },
  );
  const prefer = values.prefer === undefined ? undefined : values.prefer.trim().toLowerCase() === 'none' ? ('none' as const) : parseRunId(values.prefer);
  return withBackend(values['data-dir'], async (b) => {
    if (prefer === 'none') {
      const marked = (await call(b, 'runs:list', {})).find((r) => r.preferred);
      if (marked) await call(b, 'runs:prefer', { runId: marked.id, preferred: false });
      io.err(marked ? `Run #${marked.id} is no longer marked as the default model.\n` : 'No run was marked as the default model.\n');
    } else if (prefer !== undefined) {
      await call(b, 'runs:prefer', { runId: prefer });
      io.err(`Run #${prefer} is now the default model.\n`);
    }
    const runs = await call(b, 'runs:list', {});
    const def = await call(b, 'runs:default', {});
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
        ['run', 'status', 'created', 'backbone', 'head', 'genres', 'mAP', 'micro-F1', 'macro-F1', 'model', 'default', 'tagging', 'data'],
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
          r.id === def?.runId ? (r.preferred ? '* marked' : '* latest') : r.preferred ? 'marked (no model)' : '',
          r.hasModel ? taggingCell(r.tagging) : '',
          r.dataset,
        ]),
      ),
    );
    io.out(
      def
        ? `\nDefault model (tag default, the Tag view, Try it): run #${def.runId}, ${def.reason}.${def.kind === 'preferred' ? '' : ' Mark another with: poster-tagger runs --prefer <run>'}`
        : '\nNo run has a saved model yet.',
    );
    return EXIT.ok;
  });
});
