/** `poster-tagger export <run> <file>`: a run's model as one portable file (runs:export). */
import path from 'node:path';
import { defineCommand, EXIT } from './cli-io';
import { DATA_DIR, parseChoice, parseCommand, parseRunId } from './cli-flags';
import { call, withBackend } from './cli-session';

const HELP = `Usage: poster-tagger export <run> <file> [--format ptmodel|onnx] [--force] [--data-dir DIR]

Writes a trained run's model (weights, genres, thresholds, backbone fingerprint) as one file, checksummed,
to use on another computer with "poster-tagger import <file>".
A <file> ending in .onnx (or --format onnx) is instead one standalone ONNX model for any program:
uint8 RGB pixels in, one probability per genre out, with the genres, the run's thresholds, the
preprocessing and the provenance in its metadata (see README "Using a model outside the app").

Options:
  --format F       ptmodel (default; .onnx files: onnx) or onnx
  --force          Overwrite <file> if it exists
  --data-dir DIR   Data folder (default: the app's, or POSTER_TAGGER_DATA_DIR)
`;

export const exportCommand = defineCommand('export', HELP, async (args, io) => {
  const { values, positionals } = parseCommand(
    args,
    { ...DATA_DIR, force: { type: 'boolean' }, format: { type: 'string' } },
    { min: 2, max: 2, usage: 'poster-tagger export <run> <file> [--format ptmodel|onnx] [--force]' },
  );
  const id = parseRunId(positionals[0]);
  const format = parseChoice(values.format, 'format', ['ptmodel', 'onnx'] as const) ?? (positionals[1].toLowerCase().endsWith('.onnx') ? 'onnx' : 'ptmodel');
  return withBackend(values['data-dir'], async (b) => {
    const { file, bytes, exists } = await call(b, 'runs:export', { id, file: path.resolve(positionals[1]), overwrite: values.force ?? false, format });
    if (exists) {
      io.err(`poster-tagger export: ${exists} already exists; nothing was written (add --force to replace it).\n`);
      return EXIT.usage;
    }
    io.out(`Exported run #${id}${format === 'onnx' ? ' as ONNX' : ''} to ${file} (${(bytes / 1024).toFixed(0)} KiB).`);
    return EXIT.ok;
  });
});
