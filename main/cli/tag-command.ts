import path from 'node:path';
import { parseArgs } from 'node:util';
import type { TagSummary } from '../tagging/tag-job';
import { CliError, defineCommand, EXIT } from './cli-io';
import { call, followJob, withBackend } from './cli-session';

const HELP = `Usage: poster-tagger tag <run> <folder>... [options]

Tags every poster in the folders with a trained model. <run> is a run id or "best" (the best recent run by
validation mAP). Only posters without a prediction of that run are predicted, so running it again after
new posters arrive, after Ctrl+C or after a crash carries on where it stopped.

Options:
  --export FILE        Also write the tags to FILE (CSV, or JSON with --format json or a .json name)
  --format csv|json    Format of --export (default: from the file name, else csv)
  --xmp                Write an XMP sidecar (<image>.xmp, genres as keywords) next to each poster;
                       sidecars written by other programs are left untouched
  --force              Predict every poster again, even those already tagged by this run
  --data-dir DIR       Use DIR instead of the default data folder (or set POSTER_TAGGER_DATA_DIR)
`;

function parseRun(value: string): number | undefined {
  if (value === 'best') return undefined;
  if (!/^#?\d+$/.test(value)) throw new CliError(`"${value}" is not a run id (a number, or "best")`);
  return Number(value.replace('#', ''));
}

function formatOf(file: string, flag: string | undefined): 'csv' | 'json' {
  if (flag !== undefined) {
    if (flag !== 'csv' && flag !== 'json') throw new CliError(`--format must be csv or json, not "${flag}"`);
    return flag;
  }
  return path.extname(file).toLowerCase() === '.json' ? 'json' : 'csv';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const tagCommand = defineCommand('tag', HELP, async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      export: { type: 'string' },
      format: { type: 'string' },
      xmp: { type: 'boolean' },
      force: { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
  });
  const [runArg, ...folders] = positionals;
  if (!runArg) throw new CliError('missing <run> (a run id or "best"); see --help');
  if (folders.length === 0) throw new CliError('missing <folder>: name at least one folder of posters');
  const runId = parseRun(runArg);
  if (values.export === undefined && values.format !== undefined) throw new CliError('--format needs --export FILE');
  const exportFile = values.export === undefined ? undefined : path.resolve(values.export);
  const format = exportFile ? formatOf(exportFile, values.format) : undefined;

  return withBackend(values['data-dir'], async (b) => {
    // The same call as the app's: folders and run are checked before anything starts.
    const started = await call(b, 'tag:start', { runId, folders: folders.map((f) => path.resolve(f)), force: values.force });
    if (runId === undefined) io.err(`Using run #${started.runId} (the best recent run by validation mAP)\n`);
    const { final } = await followJob(b, io, started.job);
    if (final.status === 'cancelled') {
      io.err('Cancelled. Posters tagged so far are saved; run the same command again to carry on.\n');
      return EXIT.interrupted;
    }
    if (final.status === 'failed') throw new CliError(final.error ?? 'tagging failed', EXIT.failed);
    const r = final.result as TagSummary;
    io.err(
      `Tagged ${plural(r.tagged, 'poster')}${r.alreadyTagged ? ` (${r.alreadyTagged} already tagged)` : ''}` +
        `${r.failed ? `, ${r.failed} could not be read` : ''} in ${r.seconds.toFixed(1)} s with run #${r.runId}.\n`,
    );
    for (const f of r.failures.slice(0, 5)) io.err(`  failed: ${f.path}: ${f.reason}\n`);
    if (r.failed > 5) io.err(`  … and ${r.failed - 5} more\n`);

    if (exportFile && format) {
      const out = await call(b, 'tag:export', { runId: started.runId, libraryIds: started.libraryIds, format, file: exportFile });
      io.err(`Wrote ${plural(out.count, 'poster')} to ${exportFile}\n`);
    }
    if (values.xmp) {
      const out = await call(b, 'tag:export', { runId: started.runId, libraryIds: started.libraryIds, format: 'xmp' });
      io.err(`Wrote ${plural(out.filesWritten, 'XMP sidecar')}${out.skipped.length ? `; skipped ${out.skipped.length}` : ''}\n`);
      for (const s of out.skipped.slice(0, 5)) io.err(`  skipped: ${s.file}: ${s.reason}\n`);
    }
    // Every poster unreadable: say so with the exit code too.
    return r.failed > 0 && r.tagged === 0 && r.alreadyTagged === 0 ? EXIT.failed : EXIT.ok;
  });
});
