/** `poster-tagger runs`: the training runs, newest first, and which one is the default model. */
import { defineCommand, EXIT } from './cli-io';
import { DATA_DIR, parseCommand, parseRunId } from './cli-flags';
import { call, withBackend } from './cli-session';
import { num, table } from './cli-report';
import type { CallOutput } from '../../contract';

const HELP = `Usage: poster-tagger runs [--json] [--prefer RUN|none] [--compare RUN [--against RUN]] [--data-dir DIR]

Lists the training runs, newest first: status, backbone, head, genres, data, validation metrics of the
kept epoch (at the tuned thresholds), whether a model is saved, how it tags (mode, at most N tags, saved
thresholds) and which run is the default model of "tag default", the app's Tag view and Try it: the one
marked as default, else the latest finished run.

Options:
  --prefer RUN   Mark RUN as the default model ("none": unmark the current one), then list
  --compare RUN  Compare RUN with the model it would replace (or --against RUN) on the posters both
                 held out (val side in both training sets): mAP, micro-F1 and AP per genre
  --json         Machine-readable output
  --data-dir DIR Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)
`;

/** "balanced", "precise, max 2, 3 thresholds saved". */
function taggingCell(t: { mode: string; maxTags: number | null; overrides: (number | null)[] | null }): string {
  const saved = t.overrides?.filter((x) => x !== null).length ?? 0;
  return [t.mode, t.maxTags ? `max ${t.maxTags}` : '', saved ? `${saved} threshold${saved === 1 ? '' : 's'} saved` : ''].filter(Boolean).join(', ');
}

type Comparison = CallOutput<'runs:compare'>;
const signed = (d: number | null) => (d === null ? '' : `${d >= 0 ? '+' : ''}${d.toFixed(3)}`);

/** The comparison in lines: what was compared with what, on how many posters, and the numbers. */
function comparisonText(c: Comparison): string {
  const head = `Run #${c.runId} against ${c.againstRunId === null ? 'no other run' : `run #${c.againstRunId}`}${c.againstReason ? ` (${c.againstReason})` : ''}`;
  if (c.status !== 'ok' || !c.run || !c.against) return `${head}: ${c.message}`;
  const rows = [
    ['mAP', num(c.run.mAP), num(c.against.mAP), signed(c.run.mAP - c.against.mAP)],
    ['micro-F1', num(c.run.microF1), num(c.against.microF1), signed(c.run.microF1 - c.against.microF1)],
    ...c.perGenre.map((g) => [`AP ${g.genre} (${g.support})`, num(g.ap ?? undefined), num(g.againstAp ?? undefined), signed(g.delta)]),
  ];
  const relabelled = c.relabelled ? `\n${c.relabelled} of them were relabelled in between; both are scored on run #${c.runId}'s labels.` : '';
  return `${head}, on the ${c.shared} posters both held out:\n${table(['', `#${c.runId}`, `#${c.againstRunId}`, 'change'], rows)}${relabelled}`;
}

export const runsCommand = defineCommand('runs', HELP, async (args, io) => {
  const { values } = parseCommand(
    args,
    { ...DATA_DIR, json: { type: 'boolean' }, prefer: { type: 'string' }, compare: { type: 'string' }, against: { type: 'string' } },
    { min: 0, max: 0, usage: 'poster-tagger runs [--json] [--prefer RUN|none] [--compare RUN [--against RUN]]' },
  );
  if (values.compare !== undefined) {
    const runId = parseRunId(values.compare);
    const againstRunId = values.against === undefined ? undefined : parseRunId(values.against);
    return withBackend(values['data-dir'], async (b) => {
      const c = await call(b, 'runs:compare', againstRunId === undefined ? { runId } : { runId, againstRunId });
      io.out(values.json ? JSON.stringify(c, null, 2) : comparisonText(c));
      return EXIT.ok;
    });
  }
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
