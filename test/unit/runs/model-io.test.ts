import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainHead, type TrainResult } from '../../../main/ml/train';
import { exportHead, headInfoFromTraining, importHead, loadHead, ModelFileError, readHeadExport, saveHead } from '../../../main/runs/model-io';
import { predictScores, predictTags } from '../../../main/ml/predict';
import { syntheticTask } from '../ml/synthetic';
import { trainConfig } from '../../../main/ml/head';

const backbone = {
  id: 'test-backbone',
  sha256: { 'model.onnx': 'a'.repeat(64) },
  inputSize: 224,
  preprocessing: { kind: 'scale' as const, mean: 127.5, std: 127.5 },
};
const task = syntheticTask({ train: 200, val: 80, seed: 21 });
let tmp: string;
let trained: TrainResult;
let expected: Float32Array;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poster-tagger-model-io-'));
  trained = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ epochs: 3, seed: 2 }) });
  expected = await predictScores(trained.model, task.val.x, task.val.n, { xFlip: task.val.xFlip });
});
after(() => {
  trained.model.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function saveFresh(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await saveHead(dir, trained.model, headInfoFromTraining(trained, backbone));
  return dir;
}

test('save → load gives identical predictions and the metadata back', async () => {
  const dir = await saveFresh('saved');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['metadata.json', 'model.json', 'weights.bin']);
  const head = await loadHead(dir);
  try {
    assert.deepEqual(head.metadata.genres, task.genres);
    assert.deepEqual(head.metadata.thresholds, trained.thresholds);
    assert.equal(head.metadata.backbone.id, 'test-backbone');
    assert.equal(head.metadata.formatVersion, 1);
    assert.equal(head.metadata.config.seed, 2);
    assert.match(head.metadata.appVersion, /^\d+\.\d+\.\d+/);
    const got = await predictScores(head.model, task.val.x, task.val.n, { xFlip: task.val.xFlip });
    assert.deepEqual(got, expected);
    const { tags } = await predictTags(head, task.val.x, task.val.n, { xFlip: task.val.xFlip });
    const { tags: fixed } = await predictTags(head, task.val.x, task.val.n, { xFlip: task.val.xFlip, override: 0.999 });
    assert.equal(tags.length, task.val.n);
    assert.ok(tags.flat().length > fixed.flat().length, 'a strict override tags less');
  } finally {
    head.model.dispose();
  }
  await assert.rejects(saveHead(dir, trained.model, headInfoFromTraining(trained, backbone)), /already exists/);
});

test('export → import round trip through one file gives identical predictions', async () => {
  const dir = await saveFresh('to-export');
  const file = path.join(tmp, 'exports', 'head.ptmodel.json');
  exportHead(dir, file);
  assert.equal(readHeadExport(file).metadata.weightsSha256, JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')).weightsSha256);
  const imported = path.join(tmp, 'imported');
  await importHead(file, imported);
  const head = await loadHead(imported);
  try {
    assert.deepEqual(await predictScores(head.model, task.val.x, task.val.n, { xFlip: task.val.xFlip }), expected);
  } finally {
    head.model.dispose();
  }
  await assert.rejects(importHead(file, imported), /already exists/, 'import never overwrites silently');
});

test('tampered weights or metadata are refused with a clear message', async () => {
  const dir = await saveFresh('tampered');
  const weights = fs.readFileSync(path.join(dir, 'weights.bin'));
  weights[10] ^= 0xff;
  fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
  await assert.rejects(loadHead(dir), (e: unknown) => e instanceof ModelFileError && /do not match the checksum/.test(e.message));

  const dir2 = await saveFresh('bad-metadata');
  const metaFile = path.join(dir2, 'metadata.json');
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  fs.writeFileSync(metaFile, JSON.stringify({ ...meta, thresholds: meta.thresholds.slice(1) }));
  await assert.rejects(loadHead(dir2), /metadata .* is invalid: thresholds has 4 values for 5 genres/);
  fs.writeFileSync(metaFile, JSON.stringify({ ...meta, genres: [...meta.genres, 'extra'], thresholds: [...meta.thresholds, 0.5] }));
  await assert.rejects(loadHead(dir2), /outputs 5 genres but its metadata lists 6/);
  fs.writeFileSync(metaFile, JSON.stringify({ ...meta, formatVersion: 99 }));
  await assert.rejects(loadHead(dir2), /formatVersion/);
  fs.writeFileSync(metaFile, '{ not json');
  await assert.rejects(loadHead(dir2), /not valid JSON/);
  await assert.rejects(loadHead(path.join(tmp, 'nowhere')), /No model metadata at/);

  // An export whose metadata was edited (here: a threshold) no longer matches its checksum.
  const src = await saveFresh('export-src');
  const file = path.join(tmp, 'edited.json');
  exportHead(src, file);
  const container = JSON.parse(fs.readFileSync(file, 'utf8'));
  container.metadata.thresholds[0] = 0.01;
  fs.writeFileSync(file, JSON.stringify(container));
  await assert.rejects(importHead(file, path.join(tmp, 'never')), /does not match its checksum/);
  assert.equal(fs.existsSync(path.join(tmp, 'never')), false, 'nothing written for a refused import');
  fs.writeFileSync(file, JSON.stringify({ hello: 'world' }));
  assert.throws(() => readHeadExport(file), /not a Poster Tagger model export/);
});
