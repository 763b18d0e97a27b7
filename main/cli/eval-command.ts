/** `poster-tagger eval <run> <folder>`: a trained run's metrics on a labelled folder it was not trained on. */
import fs from 'node:fs';
import path from 'node:path';
import { CliError, defineCommand, EXIT, type CliIo } from './cli-io';
import { DATA_DIR, parseCommand, parseNumber, parseRunId } from './cli-flags';
import { withBackend, withProgress } from './cli-session';
import { num, perGenreTable, summaryTable, type SummaryRow } from './cli-report';
import type { FolderEvaluation } from '../runs/evaluate-folder';

const HELP = `Usage: poster-tagger eval <run> <folder> [options]

Evaluates a trained run on a folder of labelled posters: a split folder with its metadata.csv (for
example movie_posters/val), or any folder with --labels FILE (for example movie_posters/predict with
--labels movie_posters/predict_labels.csv). Embeddings are cached, so a second evaluation is quick.
Reports loss, mAP, micro-F1, macro-F1, samples-F1 and exact match at the run's thresholds (tuned on
its validation set, with its saved mode and any thresholds saved in the app), a per-genre table, and the
trivial baselines.

Options:
  --labels FILE      Labels CSV (Id column, genre list and/or one 0/1 column per genre)
  --threshold X      Also report every metric at this single threshold (0-1)
  --json             Machine-readable output
  --data-dir DIR     Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)
`;

function print(io: CliIo, e: FolderEvaluation): void {
  io.out(`Run #${e.runId} (${e.backbone}, ${e.genres.length} genres) on ${e.folder}: ${e.n} labelled posters (labels: ${e.labelsFile})`);
  const custom = e.settings.mode !== 'balanced' || e.settings.savedThresholds > 0;
  if (custom) {
    const parts = [
      e.settings.mode !== 'balanced' ? `${e.settings.mode} mode` : '',
      e.settings.savedThresholds ? `${e.settings.savedThresholds} saved threshold${e.settings.savedThresholds === 1 ? '' : 's'}` : '',
    ];
    io.out(`Using the run's saved tagging settings: ${parts.filter(Boolean).join(', ')}.`);
  }
  const rows: SummaryRow[] = [
    { name: 'model, per-genre thresholds', report: e.report },
    { name: `model, global threshold ${num(e.globalThreshold, 2)}`, report: e.reportGlobal },
  ];
  if (e.override) rows.push({ name: `model, threshold ${e.override.threshold}`, report: e.override.report });
  const b = e.baselines;
  rows.push({ name: `trivial: top-${b.topK.k} (${b.topK.genres.join(', ')})`, report: b.topK.report });
  rows.push({ name: 'trivial: genre frequencies', report: b.prior.report });
  io.out(`\n${summaryTable(rows)}`);
  io.out(`\nPer genre (per-genre thresholds)\n${perGenreTable(e.report)}`);
  const notes: string[] = [];
  if (e.baselineSource === 'evaluated set')
    notes.push("the baselines use this set's own genre frequencies (the run's training library is not available), which flatters them");
  if (e.report.genresWithPositives < e.genres.length)
    notes.push(`${e.genres.length - e.report.genresWithPositives} genres have no positive here and are left out of macro-F1 and mAP`);
  if (e.missing) notes.push(`${e.missing} labelled ids have no image in the folder`);
  if (e.unlabelled) notes.push(`${e.unlabelled} images have no labels and were not evaluated`);
  if (e.skipped.length) notes.push(`${e.skipped.length} images could not be read, e.g. ${path.basename(e.skipped[0].path)} (${e.skipped[0].reason})`);
  if (e.warnings.length) notes.push(`${e.warnings.length} problems in the labels file, e.g. ${e.warnings[0]}`);
  for (const n of notes) io.out(`Note: ${n}.`);
}

export const evalCommand = defineCommand('eval', HELP, async (args, io) => {
  const { values, positionals } = parseCommand(
    args,
    { ...DATA_DIR, labels: { type: 'string' }, threshold: { type: 'string' }, json: { type: 'boolean' } },
    { min: 2, max: 2, usage: 'poster-tagger eval <run> <folder> [--labels FILE] [--json]' },
  );
  const runId = parseRunId(positionals[0]);
  const folder = path.resolve(positionals[1]);
  const threshold = parseNumber(values.threshold, 'threshold', { min: 0, max: 1 });
  if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`folder not found: ${folder}`);
  if (values.labels === undefined && !fs.existsSync(path.join(folder, 'metadata.csv'))) {
    throw new CliError(`${folder} has no metadata.csv; give its labels with --labels FILE.`);
  }
  return withBackend(values['data-dir'], async (b) => {
    const result = await withProgress(io, (ctx) => b.services.runs.evaluateFolder(runId, folder, { labels: values.labels, threshold, ctx }));
    if (values.json) io.out(JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
    else print(io, result);
    return EXIT.ok;
  });
});
