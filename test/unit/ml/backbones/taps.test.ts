import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { loadTf } from '../../../../main/ml/tf';
import { tfgraphToOnnx } from '../../../../main/ml/backbones/convert/tfgraph-to-onnx';
import { readGraphModelFiles } from '../../../../main/ml/backbones/tfjs-graph-files';
import { planTflite } from '../../../../main/ml/backbones/tflite/plan';
import { readTflite } from '../../../../main/ml/backbones/tflite/reader';
import { tfliteToOnnx } from '../../../../main/ml/backbones/convert/tflite-to-onnx';
import { TfliteTfExecutor, poolTaps } from '../../../../main/ml/backbones/tflite/tf-executor';
import { BACKBONES, embeddingCacheKey } from '../../../../main/ml/backbones/registry';
import { tapSize } from '../../../../main/ml/backbones/types';
import { rng, tinyTflite, writeTinyGraphModel } from './fixtures';
import { tempDir } from '../../../helpers/temp';

async function runOnnx(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    return (await session.run({ input: new ort.Tensor('float32', x, dims) })).embedding.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Spatial mean and population std of channel c of an NHWC tensor, for poster i. */
function pooled(x: Float32Array, [, h, w, ch]: number[], i: number, c: number): { mean: number; std: number } {
  let s = 0;
  let sq = 0;
  for (let p = 0; p < h * w; p++) {
    const v = x[(i * h * w + p) * ch + c];
    s += v;
    sq += v * v;
  }
  const mean = s / (h * w);
  return { mean, std: Math.sqrt(Math.max(0, sq / (h * w) - mean * mean)) };
}

test('a multi-depth TFLite embedding: each tap pooled (mean, std), concatenated, identical on ONNX Runtime and TF.js', async () => {
  const model = readTflite(tinyTflite());
  const taps = [
    { node: 'conv', channels: 4, std: true },
    { node: 'features', channels: 8 },
  ];
  const onnx = tfliteToOnnx(model, 'features', taps);
  const r = rng(11);
  const n = 2;
  const x = Float32Array.from({ length: n * 9 * 9 * 3 }, () => (Math.floor(r() * 256) - 128) / 128);
  const got = await runOnnx(onnx, x, [n, 9, 9, 3]);
  assert.equal(got.length, n * (4 * 2 + 8));

  const { tf } = await loadTf();
  const index = (name: string) => model.tensors.findIndex((t) => t.name === name);
  const exec = new TfliteTfExecutor(
    tf,
    planTflite(model, 'features'),
    taps.map((t) => ({ index: index(t.node), std: t.std })),
  );
  const input = tf.tensor4d(x, [n, 9, 9, 3]);
  const want = exec.run(input).dataSync() as Float32Array;

  input.dispose();
  exec.dispose();
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `value ${i}: ${got[i]} vs ${want[i]}`);
  // Means first, then stds: stds are non-negative and the first 4 values are the plain means.
  const plainMeans = await runOnnx(tfliteToOnnx(model, 'conv'), x, [n, 9, 9, 3]);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 4; c++) assert.ok(Math.abs(got[i * 16 + c] - plainMeans[i * 4 + c]) < 1e-5);
    for (let c = 0; c < 4; c++) assert.ok(got[i * 16 + 4 + c] >= 0);
  }
});

test('poolTaps matches mean and population std computed by hand', async () => {
  const { tf } = await loadTf();
  const r = rng(5);
  const dims = [2, 3, 4, 5];
  const x = Float32Array.from({ length: 2 * 3 * 4 * 5 }, () => r() * 4);
  const out = tf.tidy(() => poolTaps(tf, [{ x: tf.tensor4d(x, dims as [number, number, number, number]), std: true }]).dataSync() as Float32Array);
  for (let i = 0; i < 2; i++)
    for (let c = 0; c < 5; c++) {
      const p = pooled(x, dims, i, c);
      assert.ok(Math.abs(out[i * 10 + c] - p.mean) < 1e-5);
      assert.ok(Math.abs(out[i * 10 + 5 + c] - p.std) < 1e-4);
    }
});

test('a multi-depth TF.js graph embedding converts to ONNX and matches TF.js', async () => {
  const dir = tempDir('pt-graph-taps-');
  try {
    const { inputNode, outputNode } = writeTinyGraphModel(dir);
    const files = readGraphModelFiles(dir);
    const taps = [
      { node: 'dw/relu', channels: 8, std: true },
      { node: outputNode, channels: 8 },
    ];
    const onnx = tfgraphToOnnx(files, inputNode, outputNode, 3, taps);
    const r = rng(9);
    const n = 2;
    const size = 12;
    const x = Float32Array.from({ length: n * size * size * 3 }, () => Math.floor(r() * 256));
    const got = await runOnnx(onnx, x, [n, size, size, 3]);
    const { tf } = await loadTf();
    const model = await tf.loadGraphModel({
      load: async () => ({ modelTopology: files.json.modelTopology, weightSpecs: files.weightSpecs as never, weightData: files.weightData }),
    });
    const want = tf.tidy(() => {
      const ys = model.execute(
        { [inputNode]: tf.tensor4d(x, [n, size, size, 3]) },
        taps.map((t) => t.node),
      ) as never[];
      return poolTaps(
        tf,
        ys.map((y, i) => ({ x: y, std: !!taps[i].std })),
      ).dataSync() as Float32Array;
    });
    model.dispose();
    assert.equal(got.length, n * 24);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4 * Math.max(1, Math.abs(want[i])), `value ${i}: ${got[i]} vs ${want[i]}`);
    assert.throws(() => tfgraphToOnnx(files, inputNode, outputNode, 3, [{ node: 'dw/relu', channels: 5 }]), /has 8 channels, expected 5/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundled backbones declare consistent taps, within 16 KB per poster per view as float16', () => {
  for (const b of BACKBONES) {
    assert.ok(b.taps && b.taps.length >= 2, `${b.id} has taps`);
    assert.equal(
      b.taps.reduce((a, t) => a + tapSize(t), 0),
      b.embeddingSize,
      `${b.id} size`,
    );
    assert.equal(b.taps.at(-1)!.node, b.embeddingNode, 'the last tap is the embedding node');
    assert.equal(b.cachePrecision, 'f16');
    assert.ok(b.embeddingSize * 2 <= 16 * 1024, `${b.id}: ${b.embeddingSize * 2} bytes per view`);
    assert.notEqual(embeddingCacheKey(b), b.id, 'multi-depth vectors are cached under their own key');
  }
});
