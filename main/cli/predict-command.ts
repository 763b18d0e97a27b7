/** `poster-tagger predict <run> <files or folders…>`: genre probabilities and tags, as CSV or JSON on stdout. */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { CliError, defineCommand, EXIT } from './cli-io';
import { DATA_DIR, describeTagging, parseChoice, parseCommand, parseNumber, parseRunId, parseTagFlags, TAG_FLAGS } from './cli-flags';
import { withBackend, withProgress } from './cli-session';
import { scanLibraryFiles } from '../library/file-scan';
import type { FilePrediction } from '../runs/predictor';

const HELP = `Usage: poster-tagger predict <run> <files or folders…> [options]

Predicts the genres of poster images with a trained run: every image file given, and every image in
the folders given (searched recursively). Output on stdout, one row per image; files that cannot be
read get an error instead of probabilities. Tags follow the run's saved tagging settings (mode, at most
N tags, thresholds saved in the app's Evaluation view) unless --mode, --max-tags or --threshold say otherwise.

Options:
  --format csv|json  Output format (default csv: path, tags, error, one probability column per genre)
  --mode MODE        precise (fewer, surer tags), balanced or broad (more tags); default: the run's
                     saved mode (balanced unless changed in the app or with "tag --mode")
  --max-tags N       At most N tags per poster, the most confident ones (0: no limit); default: the
                     run's saved limit
  --threshold X      One threshold (0-1) for every genre instead of the run's tuned ones
  --fast             Only the poster as it is, not also its mirror image: half the backbone passes,
                     no measurable loss on our test posters (README "Quality")
  --data-dir DIR     Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)
`;

/** Posters per predictFiles call: bounds memory and lets progress move. */
const CHUNK = 256;

async function expand(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const abs = path.resolve(input);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) throw new CliError(`not found: ${abs}`);
    if (st.isDirectory()) {
      const scan = await scanLibraryFiles(abs);
      files.push(...scan.files.map((f) => path.join(abs, f.relPath)));
    } else files.push(abs);
  }
  return [...new Set(files)];
}

function toCsv(preds: FilePrediction[], genres: string[]): string {
  const rows = preds.map((p) => [
    p.path,
    p.tags.join('|'),
    p.error ?? '',
    ...genres.map((g) => (p.probabilities[g] === undefined ? '' : p.probabilities[g].toFixed(4))),
  ]);
  return stringify([['path', 'tags', 'error', ...genres], ...rows]);
}

export const predictCommand = defineCommand('predict', HELP, async (args, io) => {
  const { values, positionals } = parseCommand(
    args,
    { ...DATA_DIR, ...TAG_FLAGS, format: { type: 'string' }, threshold: { type: 'string' }, fast: { type: 'boolean' } },
    {
      min: 2,
      usage: 'poster-tagger predict <run> <files or folders…> [--format csv|json] [--mode precise|balanced|broad] [--max-tags N] [--threshold X] [--fast]',
    },
  );
  const runId = parseRunId(positionals[0]);
  const format = parseChoice(values.format, 'format', ['csv', 'json'] as const) ?? 'csv';
  const threshold = parseNumber(values.threshold, 'threshold', { min: 0, max: 1 });
  const choice = parseTagFlags(values);
  const files = await expand(positionals.slice(1));
  if (files.length === 0) throw new CliError('no image files found in the given folders.');

  return withBackend(values['data-dir'], async (b) => {
    const plan = await b.services.runs.predictionPlan(runId, choice); // unknown run or no model: refused before any work
    if (threshold === undefined) {
      // Say how the tags were chosen when it is not the model's plain balanced rule.
      const used = plan.tagOptions;
      const overrides = used.overrides ? Array.from(used.overrides, (t) => t ?? null) : null;
      if (used.mode !== 'balanced' || used.maxTags || overrides)
        io.err(`Run #${runId} tags with ${describeTagging({ mode: used.mode ?? 'balanced', maxTags: used.maxTags ?? null, overrides })}.\n`);
      if (choice.mode && !plan.hasModes) io.err(`Note: run #${runId} was trained before decision modes; --mode has no effect on it.\n`);
    }
    const preds = await withProgress(io, async (ctx) => {
      const out: FilePrediction[] = [];
      for (let start = 0; start < files.length; start += CHUNK) {
        const chunk = files.slice(start, start + CHUNK);
        // Progress over all files, not just this chunk.
        const chunkCtx = { ...ctx, progress: (p: Parameters<typeof ctx.progress>[0]) => ctx.progress({ ...p, done: start + p.done, total: files.length }) };
        out.push(...(await b.services.runs.predictFiles(runId, chunk, { threshold, ...choice, fast: values.fast === true }, chunkCtx)));
      }
      return out;
    });
    io.out(format === 'json' ? JSON.stringify(preds, null, 2) : toCsv(preds, plan.genres));
    const failed = preds.filter((p) => p.error);
    if (failed.length) io.err(`${failed.length} of ${preds.length} files could not be read, e.g. ${failed[0].path}: ${failed[0].error}\n`);
    return EXIT.ok;
  });
});
