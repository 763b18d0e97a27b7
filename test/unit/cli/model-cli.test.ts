// The train / eval / predict / runs / export / import commands, in-process through runCli with a temp
// --data-dir, on generated posters (colour stripes encode the genres) and mobilenet_v2.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { makeTutorialLibrary, posterJpeg, FIXTURE_GENRES } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { cli, skipWithoutMobilenet as skip } from './helpers';
import { readMetadataProps } from '../../../main/ml/onnx/onnx-reader';

let root: string;
let data: string;
let runId: number;
let trainOut: string;

before(async () => {
  if (skip) return;
  root = path.join(tempDir(), 'posters');
  data = path.join(tempDir(), 'data');
  await makeTutorialLibrary(root, { train: 60, val: 20, seed: 3 });
  const r = await cli(['train', root, '--backbone', 'mobilenet_v2', '--epochs', '10', '--patience', '0', '--seed', '4', '--data-dir', data]);
  assert.equal(r.code, 0, r.err);
  trainOut = r.out;
  runId = Number(/Run id: (\d+)/.exec(r.out)?.[1]);
});

const withData = (...argv: string[]) => [...argv, '--data-dir', data];

test('train indexes the folder, trains through train:start and prints metrics, baselines, per-genre table and run id', { skip }, async () => {
  assert.equal(runId, 1);
  assert.match(trainOut, /Run #1 done in [\d.]+ s: mobilenet_v2, default head, 5 genres/);
  // The default head cross-validates on train and val together: its numbers are out of fold.
  assert.match(trainOut, /Out of fold \(5-fold cross-validation on 80 posters\)/);
  assert.match(trainOut, /95% intervals: mAP [\d.]+ \([\d.]+–[\d.]+\)/);
  assert.ok(!trainOut.includes('Kept epoch'), 'no kept epoch: there is no early stopping to report');
  for (const row of ['model, decision rule (balanced)', 'model, global threshold', 'trivial: top-', 'trivial: genre frequencies'])
    assert.ok(trainOut.includes(row), row);
  for (const genre of FIXTURE_GENRES) assert.match(trainOut, new RegExp(`^${genre}\\s+\\d+`, 'm'));
  const mAP = Number(/^model, decision rule \(balanced\)\s+[\d.]+\s+([\d.]+)/m.exec(trainOut)?.[1]);
  const prior = Number(/^trivial: genre frequencies\s+[\d.]+\s+([\d.]+)/m.exec(trainOut)?.[1]);
  assert.ok(mAP > prior + 0.2, `mAP ${mAP} vs prior ${prior}`);

  // The same folder again is the same library (re-indexed, nothing new) and a new run; --json output.
  const again = await cli(withData('train', root, '--backbone', 'mobilenet_v2', '--epochs', '2', '--head', 'baseline', '--genres', 'Action,drama', '--json'));
  assert.equal(again.code, 0, again.err);
  const run = JSON.parse(again.out);
  assert.equal(run.id, 2);
  assert.equal(run.libraryId, 1);
  assert.equal(run.head, 'baseline');
  assert.deepEqual(run.genres, ['Action', 'Drama']);
  assert.equal(run.history.length, 2);
  assert.match(again.err, /epoch 2\/2/); // epoch lines on stderr
});

test('train refuses bad input with a one-line reason and exit code 2', { skip }, async () => {
  const cases: [string[], RegExp][] = [
    [['train'], /missing argument/],
    [['train', path.join(root, 'nope')], /folder not found/],
    [['train', path.join(root, 'train', 'metadata.csv')], /not a folder/],
    [['train', root, '--epochs', '0'], /--epochs must be a whole number from 1 to 500/],
    [['train', root, '--epochs', 'ten'], /--epochs/],
    [['train', root, '--lr=-1'], /--lr must be a number above 0/],
    [['train', root, '--lr', '0'], /--lr must be a number above 0/],
    [['train', root, '--head', 'big'], /--head must be one of default, mlp, baseline/],
    [['train', root, '--seed', '1.5'], /--seed/],
    [['train', root, '--colour'], /Unknown option '--colour'/],
    [['train', root, '--genres', 'Western'], /no genre "Western"/],
    [['train', root, '--backbone', 'resnet'], /Unknown backbone "resnet"/],
  ];
  for (const [argv, reason] of cases) {
    const r = await cli(withData(...argv));
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, reason);
    assert.ok(r.err.trim().split('\n').pop()!.startsWith('poster-tagger train: '), r.err);
  }
});

test('eval on the val folder scores the final model on it; --json and --threshold', { skip }, async () => {
  const r = await cli(withData('eval', String(runId), path.join(root, 'val'), '--json', '--threshold', '0.5'));
  assert.equal(r.code, 0, r.err);
  const e = JSON.parse(r.out);
  const runs = JSON.parse((await cli(withData('runs', '--json'))).out);
  const best = runs.find((x: { id: number }) => x.id === runId).best;
  assert.equal(e.n, 20);
  assert.equal(e.baselineSource, 'training set');
  // The final model was refitted on these posters too: at least as good as its out-of-fold score.
  assert.ok(e.report.mAP >= best.mAP - 0.02, `${e.report.mAP} vs ${best.mAP}`);
  assert.ok(e.report.mAP > 0.9);
  assert.equal(e.override.threshold, 0.5);
  for (const key of ['loss', 'mAP', 'microF1', 'macroF1', 'samplesF1', 'exactMatch']) assert.equal(typeof e.report[key], 'number', key);
  assert.equal(e.report.perGenre.length, 5);

  const text = await cli(withData('eval', `#${runId}`, path.join(root, 'val')), { tty: true });
  assert.equal(text.code, 0, text.err);
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  assert.match(text.err, /\r\x1b\[2K\[[#-]{24}\]\s+\d+% /, 'a progress bar redrawn in place on a terminal');
  assert.ok(!text.out.includes('\x1b'), 'no terminal codes in the results');
  assert.match(text.out, /20 labelled posters/);
  assert.match(text.out, /trivial: genre frequencies/);
  assert.match(text.out, /^Horror\s+\d+/m);
});

test('eval with --labels on a folder without metadata.csv; bad input refused', { skip }, async () => {
  const dir = path.join(tempDir(), 'set');
  fs.mkdirSync(path.join(dir, 'predict'), { recursive: true });
  const rows = [
    ['tt9000001', ['Action']],
    ['tt9000002', ['Romance', 'Drama']],
    ['tt9000003', ['Comedy']],
    ['tt9000004', ['Horror']],
  ] as const;
  for (const [i, [id, genres]] of rows.entries()) fs.writeFileSync(path.join(dir, 'predict', `${id}.jpg`), await posterJpeg([...genres], 500 + i));
  fs.writeFileSync(path.join(dir, 'predict', 'unlabelled.jpg'), await posterJpeg(['Drama'], 999));
  // Genre lists only (no 0/1 columns), one id without an image.
  fs.writeFileSync(path.join(dir, 'labels.csv'), `Id,Genre\n${rows.map(([id, g]) => `${id},"${g.join('|')}"`).join('\n')}\ntt9999999,Action\n`);
  const r = await cli(withData('eval', String(runId), path.join(dir, 'predict'), '--labels', path.join(dir, 'labels.csv')));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /4 labelled posters/);
  assert.match(r.out, /1 labelled ids have no image/);
  assert.match(r.out, /1 images have no labels/);

  fs.writeFileSync(path.join(dir, 'flags.csv'), 'Id,Action,Comedy\ntt9000001,1,0\n');
  const cases: [string[], RegExp][] = [
    [['eval', '99', path.join(root, 'val')], /There is no run #99/],
    [['eval', 'abc', path.join(root, 'val')], /"abc" is not a run id/],
    [['eval', String(runId), path.join(dir, 'predict')], /has no metadata\.csv; give its labels with --labels FILE/],
    [['eval', String(runId), path.join(dir, 'missing')], /folder not found/],
    [['eval', String(runId), path.join(dir, 'predict'), '--labels', path.join(dir, 'nope.csv')], /Labels file not found/],
    [['eval', String(runId), path.join(dir, 'predict'), '--labels', path.join(dir, 'flags.csv')], /no column or label for "Drama", "Horror", "Romance"/],
    [['eval', String(runId), path.join(root, 'val'), '--threshold', '2'], /--threshold must be a number from 0 to 1/],
  ];
  for (const [argv, reason] of cases) {
    const res = await cli(withData(...argv));
    assert.equal(res.code, 2, `${argv.join(' ')}: ${res.err}`);
    assert.match(res.err, reason);
  }
});

test('predict writes CSV or JSON for files and folders; unreadable files get an error row', { skip }, async () => {
  const dir = path.join(tempDir(), 'mixed');
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'action.jpg'), await posterJpeg(['Action'], 11));
  fs.writeFileSync(path.join(dir, 'sub', 'romance.jpg'), await posterJpeg(['Romance'], 12));
  fs.writeFileSync(path.join(dir, 'broken.jpg'), 'this is not a JPEG');
  const single = path.join(
    root,
    'val',
    fs.readdirSync(path.join(root, 'val')).find((f) => f.endsWith('.jpg'))!,
  );

  const r = await cli(withData('predict', String(runId), dir, single));
  assert.equal(r.code, 0, r.err);
  const rows = parse(r.out, { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(rows[0]), ['path', 'tags', 'error', ...FIXTURE_GENRES]);
  assert.equal(rows.length, 4);
  const byName = new Map(rows.map((row) => [path.basename(row.path), row]));
  assert.match(byName.get('broken.jpg')!.error, /.+/);
  assert.equal(byName.get('broken.jpg')!.Action, '');
  assert.match(r.err, /1 of 4 files could not be read/);
  for (const name of ['action.jpg', 'romance.jpg', path.basename(single)]) {
    const row = byName.get(name)!;
    assert.equal(row.error, '');
    for (const g of FIXTURE_GENRES) assert.ok(Number(row[g]) >= 0 && Number(row[g]) <= 1);
  }
  assert.ok(byName.get('action.jpg')!.tags.split('|').includes('Action'), byName.get('action.jpg')!.tags);

  const json = await cli(withData('predict', String(runId), single, '--format', 'json', '--threshold', '0'));
  assert.equal(json.code, 0, json.err);
  const [p] = JSON.parse(json.out);
  assert.deepEqual([...p.tags].sort(), [...FIXTURE_GENRES].sort()); // threshold 0: every genre
  const probs = p.tags.map((g: string) => p.probabilities[g]);
  assert.deepEqual(
    probs,
    [...probs].sort((a: number, b: number) => b - a),
    'most confident first',
  );
  assert.ok(Math.abs(p.probabilities.Action - Number(byName.get(path.basename(single))!.Action)) < 1e-4);

  const cases: [string[], RegExp][] = [
    [['predict', String(runId)], /missing argument/],
    [['predict', String(runId), path.join(dir, 'nope.jpg')], /not found: .*nope\.jpg/],
    [['predict', '42', single], /There is no run #42/],
    [['predict', String(runId), single, '--format', 'xml'], /--format must be one of csv, json/],
    [['predict', String(runId), single, '--threshold', 'high'], /--threshold/],
  ];
  for (const [argv, reason] of cases) {
    const res = await cli(withData(...argv));
    assert.equal(res.code, 2, `${argv.join(' ')}: ${res.err}`);
    assert.match(res.err, reason);
  }
});

test('runs lists the runs as a table or JSON; an empty data folder says how to start', { skip }, async () => {
  const table = await cli(withData('runs'));
  assert.equal(table.code, 0);
  assert.match(table.out, /^#1\s+done\s+.*mobilenet_v2\s+default\s+5\s+[\d.]+/m);
  const empty = await cli(['runs', '--data-dir', path.join(tempDir(), 'empty')]);
  assert.equal(empty.code, 0);
  assert.match(empty.out, /No training runs yet/);
  const bad = await cli(withData('runs', 'extra'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /too many arguments/);
  // --compare: the two runs on the posters both held out (the 20 val posters: too few to give numbers).
  const compared = await cli(withData('runs', '--compare', '2', '--against', '1'));
  assert.equal(compared.code, 0, compared.err);
  assert.match(compared.out, /^Run #2 against run #1 \(chosen by you\): Only 20 posters were held out by both runs: too few to compare \(at least 30/);
  const json = JSON.parse((await cli(withData('runs', '--compare', '2', '--json'))).out);
  assert.equal(json.shared, 20);
  assert.equal(json.status, 'too-few');
  assert.deepEqual(json.genres, ['Action', 'Drama']);
  const unknown = await cli(withData('runs', '--compare', '99'));
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /There is no run #99/);
});

async function probabilities(dataDir: string, id: number, files: string[]) {
  const r = await cli(['predict', String(id), ...files, '--format', 'json', '--data-dir', dataDir]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out).map((p: { probabilities: Record<string, number>; tags: string[] }) => ({ probabilities: p.probabilities, tags: p.tags }));
}

const valFiles = () =>
  fs
    .readdirSync(path.join(root, 'val'))
    .filter((f) => f.endsWith('.jpg'))
    .slice(0, 5)
    .map((f) => path.join(root, 'val', f));

test('export then import into a fresh data folder gives identical predictions', { skip }, async () => {
  const file = path.join(tempDir(), 'model.json');
  const exp = await cli(withData('export', String(runId), file));
  assert.equal(exp.code, 0, exp.err);
  assert.match(exp.out, /Exported run #1 to .*model\.json \(\d+ KiB\)/);
  const again = await cli(withData('export', String(runId), file));
  assert.equal(again.code, 2);
  assert.match(again.err, /already exists/);
  assert.equal((await cli(withData('export', String(runId), file, '--force'))).code, 0);
  assert.match((await cli(withData('export', '77', file))).err, /There is no run #77/);

  const fresh = path.join(tempDir(), 'fresh');
  const imp = await cli(['import', file, '--json', '--data-dir', fresh]);
  assert.equal(imp.code, 0, imp.err);
  const run = JSON.parse(imp.out);
  assert.equal(run.status, 'done');
  assert.equal(run.hasModel, true);
  assert.equal(run.backbone, 'mobilenet_v2');
  assert.deepEqual(run.genres, FIXTURE_GENRES);
  assert.ok(run.best && run.best.mAP > 0.5, 'validation metrics travel with the model');

  const files = valFiles();
  assert.deepEqual(await probabilities(fresh, run.id, files), await probabilities(data, runId, files));
});

test('export <run> model.onnx writes the standalone ONNX model; --format picks it for any name, and a wrong --format is refused', { skip }, async () => {
  const dir = tempDir();
  const byName = await cli(withData('export', String(runId), path.join(dir, 'genres.onnx')));
  assert.equal(byName.code, 0, byName.err);
  assert.match(byName.out, /Exported run #1 as ONNX to .*genres\.onnx \(\d+ KiB\)/);
  const props = readMetadataProps(fs.readFileSync(path.join(dir, 'genres.onnx')));
  assert.deepEqual(JSON.parse(props.genres), FIXTURE_GENRES);
  assert.equal(JSON.parse(props.provenance).run, runId);
  const byFlag = await cli(withData('export', String(runId), path.join(dir, 'model.bin'), '--format', 'onnx'));
  assert.match(byFlag.out, /as ONNX/);
  assert.deepEqual(readMetadataProps(fs.readFileSync(path.join(dir, 'model.bin'))).genres, props.genres);
  assert.match((await cli(withData('export', String(runId), path.join(dir, 'x.onnx'), '--format', 'tflite'))).err, /--format must be one of ptmodel, onnx/);
});

/** The export container's checksum, as main/ml/model-io.ts computes it (to forge a consistent file). */
function resign(container: { metadata: unknown; model: unknown; weights: string; sha256: string }) {
  const text = Buffer.from(`${JSON.stringify(container.metadata)}\n${JSON.stringify(container.model)}\n`, 'utf8');
  container.sha256 = crypto
    .createHash('sha256')
    .update(Buffer.concat([text, Buffer.from(container.weights, 'base64')]))
    .digest('hex');
}

test('a damaged, changed or invalid export is refused and adds no run', { skip }, async () => {
  const file = path.join(tempDir(), 'good.json');
  assert.equal((await cli(withData('export', String(runId), file))).code, 0);
  const good = JSON.parse(fs.readFileSync(file, 'utf8'));
  const dir = tempDir();
  const variants: [string, string, RegExp][] = [
    [
      'genre renamed',
      JSON.stringify({ ...good, metadata: { ...good.metadata, genres: ['Western', ...good.metadata.genres.slice(1)] } }),
      /does not match its checksum: the file is damaged or was changed/,
    ],
    ['weights changed', JSON.stringify({ ...good, weights: `AAAA${good.weights.slice(4)}` }), /does not match its checksum/],
    ['truncated', fs.readFileSync(file, 'utf8').slice(0, 5000), /not valid JSON/],
    ['not a model', JSON.stringify({ hello: 'world' }), /is not a Poster Tagger model export/],
  ];
  const invalid = structuredClone(good);
  invalid.metadata.thresholds = [0.5]; // consistent checksum, inconsistent metadata
  resign(invalid);
  variants.push(['invalid metadata', JSON.stringify(invalid), /metadata .* is invalid: thresholds has 1 values for 5 genres/]);

  const fresh = path.join(tempDir(), 'fresh');
  for (const [name, content, reason] of variants) {
    const f = path.join(dir, `${name}.json`);
    fs.writeFileSync(f, content);
    const r = await cli(['import', f, '--data-dir', fresh]);
    assert.equal(r.code, 2, `${name}: ${r.err}`);
    assert.match(r.err, reason, name);
  }
  assert.match((await cli(['import', path.join(dir, 'missing.json'), '--data-dir', fresh])).err, /File not found/);
  const runs = await cli(['runs', '--json', '--data-dir', fresh]);
  assert.deepEqual(JSON.parse(runs.out), []);
  assert.deepEqual(fs.readdirSync(path.join(fresh, 'models')), []);
});

test('a model whose backbone is missing here, or is a different build, is refused', { skip }, async () => {
  const file = path.join(tempDir(), 'model.json');
  assert.equal((await cli(withData('export', String(runId), file))).code, 0);
  const fresh = path.join(tempDir(), 'fresh');

  const saved = process.env.POSTER_TAGGER_MODELS_DIR;
  process.env.POSTER_TAGGER_MODELS_DIR = tempDir(); // no backbone installed
  try {
    const r = await cli(['import', file, '--data-dir', fresh]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /needs the backbone "mobilenet_v2", which is not installed here/);
  } finally {
    if (saved === undefined) delete process.env.POSTER_TAGGER_MODELS_DIR;
    else process.env.POSTER_TAGGER_MODELS_DIR = saved;
  }

  const other = JSON.parse(fs.readFileSync(file, 'utf8'));
  other.metadata.backbone.sha256['model.json'] = 'f'.repeat(64);
  resign(other);
  fs.writeFileSync(file, JSON.stringify(other));
  const r2 = await cli(['import', file, '--data-dir', fresh]);
  assert.equal(r2.code, 2, r2.err);
  assert.match(r2.err, /trained on a different build of "mobilenet_v2"/);

  other.metadata.backbone.id = 'resnet_50';
  resign(other);
  fs.writeFileSync(file, JSON.stringify(other));
  assert.match((await cli(['import', file, '--data-dir', fresh])).err, /needs the backbone "resnet_50", which this version of Poster Tagger does not know/);
  assert.deepEqual(JSON.parse((await cli(['runs', '--json', '--data-dir', fresh])).out), []);
});

test('every command has --help; unknown commands and runs give exit code 2', { skip }, async () => {
  for (const command of ['train', 'eval', 'predict', 'runs', 'export', 'import']) {
    const r = await cli([command, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^Usage: poster-tagger ${command}`));
  }
  assert.equal((await cli(['frobnicate'])).code, 2);
});

test('Ctrl+C during training cancels the job; the run is kept, marked cancelled (in-process)', { skip }, async () => {
  let pressed = false;
  const r = await cli(withData('train', root, '--backbone', 'mobilenet_v2', '--head', 'mlp', '--epochs', '400', '--patience', '0'), {
    onErr: (text, interrupt) => {
      if (!pressed && /epoch\s+1\//.test(text)) {
        pressed = true;
        interrupt();
      }
    },
  });
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, /Cancelling/);
  assert.match(r.err, /Run #\d+ cancelled \(kept in the runs list, marked cancelled\)/);
  const runs = JSON.parse((await cli(withData('runs', '--json'))).out);
  assert.equal(runs[0].status, 'cancelled');
  assert.equal(runs[0].hasModel, false);
});
