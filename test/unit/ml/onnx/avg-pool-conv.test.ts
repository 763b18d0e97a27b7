import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder, attr } from '../../../../main/ml/onnx/onnx-writer';
import { avgPoolAsConv, windowCounts } from '../../../../main/ml/onnx/avg-pool-conv';
import { quantizeQdq } from '../../../../main/ml/onnx/qdq';
import { rng } from '../backbones/fixtures';
import { tempDir } from '../../../helpers/temp';

interface Case {
  h: number;
  w: number;
  k: [number, number];
  s: [number, number];
  same: boolean;
}

/** NCHW input → AveragePool (the reference) or its depthwise-conv form → output `y`. */
function poolGraph(c: Case, channels: number, asConv: boolean): OnnxGraphBuilder {
  const g = new OnnxGraphBuilder('pool');
  g.input('x', ['batch', channels, c.h, c.w]);
  const y = asConv
    ? avgPoolAsConv(g, 'x', { channels, height: c.h, width: c.w }, c.k, c.s, c.same).pooled
    : g.node('AveragePool', ['x'], 'pool', { kernel_shape: attr.ints(c.k), strides: attr.ints(c.s), auto_pad: attr.string(c.same ? 'SAME_UPPER' : 'VALID') });
  g.node('Identity', [y], 'y');
  g.output('y', ['batch', channels, 'h', 'w']);
  return g;
}

async function run(bytes: Uint8Array, x: Float32Array, dims: number[], optimized?: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    graphOptimizationLevel: optimized ? 'extended' : 'all',
    ...(optimized ? { optimizedModelFilePath: optimized } : {}),
  });
  try {
    return (await session.run({ x: new ort.Tensor('float32', x, dims) })).y.data as Float32Array;
  } finally {
    await session.release();
  }
}

test('windowCounts counts the taps inside the input, TF SAME padding the extra one at the end', () => {
  assert.deepEqual(windowCounts(5, 3, 1, true), { out: 5, counts: [2, 3, 3, 3, 2] });
  assert.deepEqual(windowCounts(9, 2, 2, true), { out: 5, counts: [2, 2, 2, 2, 1] });
  assert.deepEqual(windowCounts(6, 3, 2, true), { out: 3, counts: [3, 3, 2] });
  assert.deepEqual(windowCounts(8, 3, 2, false), { out: 3, counts: [3, 3, 3] });
});

test('an average pool as a depthwise conv and count correction equals ONNX AveragePool', async () => {
  const cases: Case[] = [
    { h: 7, w: 6, k: [3, 3], s: [1, 1], same: true }, // InceptionV3's pools
    { h: 9, w: 9, k: [2, 2], s: [2, 2], same: true },
    { h: 6, w: 7, k: [3, 3], s: [2, 2], same: true },
    { h: 8, w: 8, k: [3, 3], s: [2, 2], same: false }, // no window reaches padding: the conv alone
    { h: 8, w: 8, k: [5, 5], s: [1, 1], same: true }, // counts no 1/d grid holds: a float correction
  ];
  const r = rng(4);
  for (const c of cases) {
    const channels = 5;
    const x = Float32Array.from({ length: 2 * channels * c.h * c.w }, () => r() * 4 - 2);
    const dims = [2, channels, c.h, c.w];
    const want = await run(poolGraph(c, channels, false).toBytes(), x, dims);
    const got = await run(poolGraph(c, channels, true).toBytes(), x, dims);
    assert.equal(got.length, want.length);
    const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
    assert.ok(worst < 1e-5, `${JSON.stringify(c)}: max difference ${worst}`);
  }
});

test('in a QDQ graph the pool runs as integer kernels: QLinearConv and QLinearMul, no QLinearAveragePool', async () => {
  const dir = tempDir('pt-avgconv-');
  try {
    const c: Case = { h: 7, w: 7, k: [3, 3], s: [1, 1], same: true };
    const channels = 8;
    const g = new OnnxGraphBuilder('pool');
    g.input('x', ['batch', channels, c.h, c.w]);
    const xin = g.node('Identity', ['x'], 'x_in'); // quantizeQdq quantises node outputs, not graph inputs
    const { conv, pooled } = avgPoolAsConv(g, xin, { channels, height: c.h, width: c.w }, c.k, c.s, c.same);
    g.node('Identity', [pooled], 'y');
    g.output('y', ['batch', channels, 'h', 'w']);
    const grid = { scale: 4 / 255, zeroPoint: 0 };
    quantizeQdq(
      g,
      new Map([
        [xin, grid],
        [conv, grid],
        [pooled, grid],
      ]),
    );
    const r = rng(5);
    const x = Float32Array.from({ length: 2 * channels * c.h * c.w }, () => Math.round(r() * 255) * grid.scale);
    const dims = [2, channels, c.h, c.w];
    const want = await run(poolGraph(c, channels, false).toBytes(), x, dims);
    const optimized = path.join(dir, 'optimized.onnx');
    const got = await run(g.toBytes(), x, dims, optimized);
    const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
    assert.ok(worst <= 1.5 * grid.scale, `max difference ${worst}: within the rounding of two requantisations`);
    const ops = fs.readFileSync(optimized).toString('latin1');
    assert.match(ops, /QLinearConv/);
    assert.match(ops, /QLinearMul/);
    assert.doesNotMatch(ops, /AveragePool/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
