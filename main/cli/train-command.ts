/** `poster-tagger train <dataset-folder>`: index a folder and train on it through train:start, as the UI does. */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { Backend } from '../backend';
import type { CallOutput } from '../../contract';
import type { GenreChoice } from '../../contract/schemas/training';
import { CliError, defineCommand, EXIT, type CliIo } from './cli-io';
import { DATA_DIR, parseChoice, parseCommand, parseNumber } from './cli-flags';
import { call, followJob, withBackend } from './cli-session';
import { num, perGenreTable, summaryTable, withBaselines } from './cli-report';
import { runModelDir } from '../training/train-run';

const HELP = `Usage: poster-tagger train <dataset-folder> [options]

Opens the folder as a library (or reuses it), indexes new or changed files, and trains a model on its
train/ posters, validated on val/ (tutorial layout: <split>/metadata.csv). Prints the validation
metrics next to the trivial baselines, and the run id to use with eval, predict and export.

Options:
  --genres all|tutorial|A,B,C  Genres to learn: every genre with a training poster (default), the
                               tutorial's five, or a comma-separated list
  --backbone ID                inception_v3 or mobilenet_v2 (default: inception_v3 when installed)
  --head default|mlp|baseline  default: linear, cross-validated on every labelled poster (metrics out of
                               fold); mlp: the previous default (hidden layer, early stopping on val/);
                               baseline: the tutorial's linear head
  --epochs N                   At most N epochs, 1-500 (default 40; early stopping may end sooner)
  --lr X                       Learning rate (default 0.001)
  --seed N                     Random seed (default 1): same data, settings and seed give the same model
  --patience N                 Epochs without a better validation mAP before stopping (0: never)
  --mirror                     Also embed each poster's mirror image and average both views, in training
                               and when tagging with the run (twice the backbone passes; measured no
                               better on movie posters, so off by default)
  --json                       Print the finished run as JSON instead of tables
  --data-dir DIR               Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)

Ctrl+C cancels the training; the run is kept, marked cancelled.
`;

type RunDetail = CallOutput<'runs:get'>;

function genreChoice(text: string | undefined): z.input<typeof GenreChoice> {
  if (text === undefined || text === 'all') return { mode: 'all' };
  if (text === 'tutorial') return { mode: 'tutorial' };
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new CliError('--genres must be all, tutorial or a comma-separated list of genres.');
  return { mode: 'pick', names };
}

function epochLine(payload: unknown, head: string): string {
  const { epoch: e, epochs } = payload as {
    epoch: { epoch: number; train: { loss: number; mAP: number }; val: { loss: number; mAP: number; microF1: number } };
    epochs: number;
  };
  const at = `${String(e.epoch).padStart(String(epochs).length)}/${epochs}`;
  if (head === 'default') {
    return `round ${at}  in-sample loss ${num(e.train.loss)} mAP ${num(e.train.mAP)}  |  out-of-fold loss ${num(e.val.loss)} mAP ${num(e.val.mAP)} micro-F1@best-threshold ${num(e.val.microF1)}`;
  }
  return `epoch ${at}  train loss ${num(e.train.loss)} mAP ${num(e.train.mAP)}  |  val loss ${num(e.val.loss)} mAP ${num(e.val.mAP)} micro-F1@0.5 ${num(e.val.microF1)}`;
}

export function printRun(io: CliIo, run: RunDetail): void {
  const secs = run.durationMs === null ? '' : ` in ${(run.durationMs / 1000).toFixed(1)} s`;
  io.out(`Run #${run.id} ${run.status}${secs}: ${run.backbone}, ${run.head} head, ${run.genres.length} genres, ${run.dataset}`);
  const ev = run.evaluation;
  const cv = ev?.kind === 'cross-validation';
  if (run.bestEpoch !== null && !cv) io.out(`Kept epoch ${run.bestEpoch} of ${run.history.length} (best validation mAP).`);
  if (run.metrics) {
    const rows = [{ name: cv ? 'model, decision rule (balanced)' : 'model, per-genre thresholds', report: run.metrics }];
    if (run.metricsGlobal) rows.push({ name: `model, global threshold ${num(run.globalThreshold, 2)}`, report: run.metricsGlobal });
    const where = cv ? `Out of fold (${ev.folds}-fold cross-validation on ${run.metrics.n} posters)` : `Validation (${run.metrics.n} posters)`;
    io.out(`\n${where}\n${summaryTable(withBaselines(rows, run.baselines))}`);
    if (ev?.intervals) {
      const i = ev.intervals;
      const f = (v: { value: number; low: number; high: number }) => `${num(v.value, 3)} (${num(v.low, 3)}–${num(v.high, 3)})`;
      io.out(
        `95% intervals: mAP ${f(i.mAP)}, micro-F1 ${f(i.microF1)}, macro-F1 ${f(i.macroF1)}; tags per poster ${num(i.tagsPerPoster.value, 2)} (labelled ${num(ev.labelledMeanTags ?? 0, 2)})`,
      );
    }
    io.out(`\nPer genre (${cv ? 'out of fold, decision rule' : 'validation, per-genre thresholds'})\n${perGenreTable(run.metrics)}`);
  }
  for (const w of ev?.warnings ?? []) if (!run.notes.includes(w)) io.out(`Warning: ${w}`);
  for (const note of run.notes) io.out(`Note: ${note}`);
}

async function indexFolder(b: Backend, io: CliIo, folder: string): Promise<{ libraryId: number } | { exit: number }> {
  const { library, job } = await call(b, 'library:open', { path: folder });
  const { final, interrupted } = await followJob(b, io, job);
  if (interrupted || final.status === 'cancelled') {
    io.err('Indexing cancelled.\n');
    return { exit: EXIT.interrupted };
  }
  if (final.status !== 'done') throw new CliError(`indexing ${folder} failed: ${final.error ?? 'unknown error'}`, EXIT.failed);
  const row = (await call(b, 'library:list', {})).find((l) => l.id === library.id);
  if (row)
    io.err(
      `Library "${row.name}" (#${row.id}): ${row.imageCount} images, ${row.labelledCount} labelled${row.errorCount ? `, ${row.errorCount} unreadable` : ''}.\n`,
    );
  return { libraryId: library.id };
}

export const trainCommand = defineCommand('train', HELP, async (args, io) => {
  const { values, positionals } = parseCommand(
    args,
    {
      ...DATA_DIR,
      genres: { type: 'string' },
      backbone: { type: 'string' },
      head: { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      patience: { type: 'string' },
      mirror: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    { min: 1, max: 1, usage: 'poster-tagger train <dataset-folder> [options]' },
  );
  const folder = path.resolve(positionals[0]);
  const st = fs.statSync(folder, { throwIfNoEntry: false });
  if (!st) throw new CliError(`folder not found: ${folder}`);
  if (!st.isDirectory()) throw new CliError(`not a folder: ${folder}`);
  const request = {
    genres: genreChoice(values.genres),
    backbone: values.backbone,
    head: parseChoice(values.head, 'head', ['default', 'mlp', 'baseline'] as const),
    epochs: parseNumber(values.epochs, 'epochs', { min: 1, max: 500, integer: true }),
    learningRate: parseNumber(values.lr, 'lr', { min: 0, max: 1, exclusiveMin: true }),
    seed: parseNumber(values.seed, 'seed', { min: 0, max: 0xffffffff, integer: true }),
    patience: parseNumber(values.patience, 'patience', { min: 0, max: 500, integer: true }),
    views: values.mirror ? ('both' as const) : ('original' as const),
  };

  return withBackend(values['data-dir'], async (b) => {
    const indexed = await indexFolder(b, io, folder);
    if ('exit' in indexed) return indexed.exit;
    const { runId, job, queued } = await call(b, 'train:start', { libraryId: indexed.libraryId, ...request });
    io.err(`Run #${runId} ${queued ? 'queued behind another training' : 'started'}.\n`);
    const { final, interrupted } = await followJob(b, io, job, {
      onEvent: (event, payload, view) => {
        if (event === 'train:epoch' && (payload as { runId: number }).runId === runId) view.line(epochLine(payload, request.head ?? 'default'));
      },
    });
    const run = await call(b, 'runs:get', { id: runId });
    if (interrupted || final.status === 'cancelled') {
      io.err(`Run #${runId} cancelled (kept in the runs list, marked ${run.status}).\n`);
      return EXIT.interrupted;
    }
    if (final.status !== 'done') {
      io.err(`poster-tagger train: run #${runId} failed: ${final.error ?? run.error ?? 'unknown error'}\n`);
      return EXIT.failed;
    }
    if (values.json) io.out(JSON.stringify(run, null, 2));
    else {
      printRun(io, run);
      io.out(`\nRun id: ${runId}  (model in ${runModelDir(b.paths.models, runId)})`);
    }
    return EXIT.ok;
  });
});
