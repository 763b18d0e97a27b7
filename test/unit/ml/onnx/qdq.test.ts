import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder, attr } from '../../../../main/ml/onnx/onnx-writer';
import { foldConvAffine } from '../../../../main/ml/onnx/fold';
import { paramsForRange, quantizeQdq, quantizeWeightsPerChannel } from '../../../../main/ml/onnx/qdq';
import { measureRanges, qdqCandidates, rangesToParams } from '../../../../main/ml/backbones/convert/calibrate';
import { cosineSimilarity } from '../../../../main/ml/backbones/convert/fetch-models';
import { rng } from '../backbones/fixtures';
import { tempDir } from '../../../helpers/temp';

async function run(bytes: Uint8Array, x: Float32Array, dims: number[], optimized?: string): Promise<Float32Array> {
  // 'extended' already fuses QDQ pairs (and, unlike 'all', saves a model without a hardware warning).
  const opts = {
    intraOpNumThreads: 1,
    graphOptimizationLevel: optimized ? 'extended' : 'all',
    ...(optimized ? { optimizedModelFilePath: optimized } : {}),
  } as const;
  const session = await ort.InferenceSession.create(bytes, opts);
  try {
    return (await session.run({ input: new ort.Tensor('float32', x, dims) })).embedding.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** input NHWC → Transpose → Conv(+bias) → Mul(k) → Add(c) → Relu → Conv 1×1 → GAP: a BiasAdd/BN-style float graph. */
function tinyFloatGraph(seed = 1): OnnxGraphBuilder {
  const r = rng(seed);
  const g = new OnnxGraphBuilder('tiny');
  g.input('input', ['batch', 8, 8, 3]);
  const x = g.node('Transpose', ['input'], 'input_nchw', { perm: attr.ints([0, 3, 1, 2]) });
  const w1 = g.floatInit(
    'w1',
    [6, 3, 3, 3],
    Float32Array.from({ length: 162 }, () => r() - 0.5),
  );
  const c1 = g.node('Conv', [x, w1], 'c1', { kernel_shape: attr.ints([3, 3]), auto_pad: attr.string('SAME_UPPER') });
  const m = g.node(
    'Mul',
    [
      c1,
      g.floatInit(
        'k',
        [6, 1, 1],
        Float32Array.from({ length: 6 }, () => 0.5 + r()),
      ),
    ],
    'm',
  );
  const a = g.node(
    'Add',
    [
      m,
      g.floatInit(
        'c',
        [6, 1, 1],
        Float32Array.from({ length: 6 }, () => r() - 0.5),
      ),
    ],
    'a',
  );
  const relu = g.node('Relu', [a], 'relu');
  const w2 = g.floatInit(
    'w2',
    [4, 6, 1, 1],
    Float32Array.from({ length: 24 }, () => r() - 0.5),
  );
  const c2 = g.node('Conv', [relu, w2, g.floatInit('b2', [4], Float32Array.of(0.1, -0.2, 0.3, 0))], 'c2', { kernel_shape: attr.ints([1, 1]) });
  const gap = g.node('GlobalAveragePool', [c2], 'gap');
  g.node('Flatten', [gap], 'embedding', { axis: attr.int(1) });
  g.output('embedding', ['batch', 4]);
  return g;
}

test('paramsForRange covers the range and keeps zero exact; weights round-trip per channel within half a step', () => {
  const p = paramsForRange(-1, 3);
  assert.ok(Math.abs(p.scale - 4 / 255) < 1e-9);
  assert.equal(p.zeroPoint, 64);
  assert.deepEqual(paramsForRange(0, 6), { scale: 6 / 255, zeroPoint: 0 });
  assert.deepEqual(paramsForRange(0, 0), { scale: 1, zeroPoint: 0 });
  const w = Float32Array.of(0.5, -1, 0.25, 0.01, -0.02, 0.005);
  const { q, scales } = quantizeWeightsPerChannel(w, 2);
  assert.ok(Math.abs(scales[0] - 1 / 127) < 1e-9 && Math.abs(scales[1] - 0.02 / 127) < 1e-9, 'one scale per output channel');
  w.forEach((v, i) => assert.ok(Math.abs(q[i] * scales[Math.floor(i / 3)] - v) <= scales[Math.floor(i / 3)] / 2 + 1e-9));
});

test('folding a Mul and Add by constants into the Conv leaves the output unchanged', async () => {
  const r = rng(2);
  const x = Float32Array.from({ length: 2 * 8 * 8 * 3 }, () => r() * 2 - 1);
  const want = await run(tinyFloatGraph().toBytes(), x, [2, 8, 8, 3]);
  const g = tinyFloatGraph();
  assert.equal(foldConvAffine(g), 2);
  assert.deepEqual(
    g.graphNodes.map((n) => n.op),
    ['Transpose', 'Conv', 'Relu', 'Conv', 'GlobalAveragePool', 'Flatten'],
  );
  const got = await run(g.toBytes(), x, [2, 8, 8, 3]);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${v} vs ${want[i]}`));
});

test('a calibrated QDQ graph agrees with the float one and runs as integer kernels (QLinearConv)', async () => {
  const dir = tempDir('pt-qdq-');
  try {
    const r = rng(3);
    const n = 8;
    const calib = Uint8Array.from({ length: n * 8 * 8 * 3 }, () => Math.floor(r() * 256));
    const build = () => {
      const g = tinyFloatGraph();
      foldConvAffine(g);
      return g;
    };
    const probe = build();
    const values = qdqCandidates(probe);
    assert.deepEqual(values, ['input_nchw', 'relu', 'c2'], 'conv inputs, and outputs after their ReLU');
    const ranges = await measureRanges(probe, values, calib, n, 8, { kind: 'scale', mean: 128, std: 128 });
    assert.ok(ranges.get('relu')!.min >= 0 && ranges.get('relu')!.max > 0);
    const g = build();
    const summary = quantizeQdq(g, rangesToParams(ranges));
    assert.deepEqual(summary, { activations: 3, convs: 2 });

    const x = Float32Array.from(calib, (v) => (v - 128) / 128);
    const want = await run(build().toBytes(), x, [n, 8, 8, 3]);
    const optimized = path.join(dir, 'optimized.onnx');
    const got = await run(g.toBytes(), x, [n, 8, 8, 3], optimized);
    assert.ok(cosineSimilarity(got, want) > 0.995, `cosine ${cosineSimilarity(got, want)}`);
    const ops = fs.readFileSync(optimized).toString('latin1');
    assert.match(ops, /QLinearConv/, 'ONNX Runtime fused the QDQ pairs into integer convolutions');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
