import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, defineCommand, EXIT } from './cli-io';
import { describeTagging, parseTagFlags } from './cli-flags';
import { call, followJob, withBackend } from './cli-session';
import { exportXmpAndCopies, XMP_FLAGS, XMP_HELP, xmpSettingsOf } from './xmp-output';

const HELP = `Usage: poster-tagger tag <run> <folder>... [options]

Tags every poster in the folders with a trained model. <run> is a run id or "default" (the run marked as
the default model in the app or with "runs --prefer", else the latest finished run; "best" means the
same). Only posters without a prediction of that run are predicted, so running it again after new
posters arrive, after Ctrl+C or after a crash carries on where it stopped.

Tags follow the run's saved tagging settings. --mode and --max-tags change them and are saved with the
run (as the app's Tag view does): the posters it tagged before are re-tagged from their stored
probabilities at once, so the gallery and every export agree.

Options:
  --mode MODE          precise (fewer, surer tags), balanced (default) or broad (more tags)
  --max-tags N         At most N tags per poster, the most confident ones (0: no limit)
  --export FILE        Also write the tags to FILE (CSV, or JSON with --format json or a .json name)
  --format csv|json    Format of --export (default: from the file name, else csv)
${XMP_HELP}
  --force              Predict every poster again, even those already tagged by this run
  --fast               Only each poster as it is, not also its mirror image: half the backbone
                       passes, no measurable loss on our test posters (README "Quality")
  --overwrite          Replace the --export file, change existing XMP sidecars and replace earlier JPEG copies
                       (otherwise they are left alone and named)
  --data-dir DIR       Use DIR instead of the default data folder (or set POSTER_TAGGER_DATA_DIR)
`;

function parseRun(value: string): number | undefined {
  if (value === 'best' || value === 'default') return undefined;
  if (!/^#?\d+$/.test(value)) throw new CliError(`"${value}" is not a run id (a number, or "default")`);
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
      ...XMP_FLAGS,
      force: { type: 'boolean' },
      fast: { type: 'boolean' },
      overwrite: { type: 'boolean' },
      mode: { type: 'string' },
      'max-tags': { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const [runArg, ...folders] = positionals;
  if (!runArg) throw new CliError('missing <run> (a run id or "default"); see --help');
  if (folders.length === 0) throw new CliError('missing <folder>: name at least one folder of posters');
  const runId = parseRun(runArg);
  if (values.export === undefined && values.format !== undefined) throw new CliError('--format needs --export FILE');
  const exportFile = values.export === undefined ? undefined : path.resolve(values.export);
  const format = exportFile ? formatOf(exportFile, values.format) : undefined;
  const choice = parseTagFlags(values);
  xmpSettingsOf(values); // a bad --xmp-naming fails before tagging starts

  return withBackend(values['data-dir'], async (b) => {
    let chosen = runId;
    let reason: string | undefined;
    if (choice.mode !== undefined || choice.maxTags !== undefined) {
      // Save the settings first (as the Tag view does); that needs the run the default choice gives.
      if (chosen === undefined) {
        const def = await call(b, 'runs:default', {});
        if (!def) throw new CliError('There is no trained model yet: train one first (or name a run).');
        chosen = def.runId;
        reason = def.reason;
      }
      const saved = await call(b, 'runs:setTagging', {
        runId: chosen,
        mode: choice.mode,
        maxTags: choice.maxTags === undefined ? undefined : choice.maxTags || null,
      });
      const retagged = saved.retagged.changed ? `; re-tagged ${plural(saved.retagged.changed, 'stored prediction')}` : '';
      io.err(`Run #${chosen} now tags with ${describeTagging(saved.tagging)} (saved with the run${retagged})\n`);
      if (choice.mode && !saved.tagging.hasModes)
        io.err(`Note: --mode has no effect on run #${chosen}: ${saved.tagging.noModes ?? 'it has no decision modes.'}\n`);
    }
    // The same call as the app's: folders and run are checked before anything starts.
    const started = await call(b, 'tag:start', { runId: chosen, folders: folders.map((f) => path.resolve(f)), force: values.force, fast: values.fast });
    if (runId === undefined) io.err(`Using run #${started.runId} (${reason ?? started.reason})\n`);
    const { final } = await followJob(b, io, started.job);
    if (final.status === 'cancelled') {
      io.err('Cancelled. Posters tagged so far are saved; run the same command again to carry on.\n');
      return EXIT.interrupted;
    }
    if (final.status === 'failed') throw new CliError(final.error ?? 'tagging failed', EXIT.failed);
    if (final.kind !== 'tag' || !final.result) throw new CliError(`tagging ended ${final.status} without a summary`, EXIT.failed);
    const r = final.result;
    io.err(
      `Tagged ${plural(r.tagged, 'poster')}${r.alreadyTagged ? ` (${r.alreadyTagged} already tagged)` : ''}` +
        `${r.failed ? `, ${r.failed} could not be read` : ''} in ${r.seconds.toFixed(1)} s with run #${r.runId}.\n`,
    );
    for (const f of r.failures.slice(0, 5)) io.err(`  failed: ${f.path}: ${f.reason}\n`);
    if (r.failed > 5) io.err(`  … and ${r.failed - 5} more\n`);

    if (exportFile && format) {
      const out = await call(b, 'tag:export', { runId: started.runId, libraryIds: started.libraryIds, format, file: exportFile, overwrite: values.overwrite });
      if (out.exists) throw new CliError(`${out.exists} already exists; nothing was written (add --overwrite to replace it)`, EXIT.failed);
      io.err(`Wrote ${plural(out.count, 'poster')} to ${exportFile}\n`);
    }
    await exportXmpAndCopies(b, io, { runId: started.runId, libraryIds: started.libraryIds }, values);
    // Every poster unreadable: say so with the exit code too.
    return r.failed > 0 && r.tagged === 0 && r.alreadyTagged === 0 ? EXIT.failed : EXIT.ok;
  });
});
