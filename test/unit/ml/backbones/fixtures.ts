/**
 * Small synthetic models for the backbone tests: a TFLite flatbuffer built with the flatbuffers
 * Builder, a TF.js graph model (model.json + one shard), and an npm-style tarball holding the latter.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as flatbuffers from 'flatbuffers';
import * as tar from 'tar';
import type { BackboneEntry } from '../../../../main/ml/backbones/registry';
import { seededRandom } from '../../../../main/ml/random';

/** Seeded pseudo-random numbers, so fixtures are the same on every run. */
export const rng = seededRandom;

export function sha256(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

// --- TFLite ------------------------------------------------------------------------------------

interface FbTensor {
  name: string;
  shape: number[];
  type: number; // 0 float32, 2 int32, 3 uint8
  data?: Uint8Array;
  quant?: { scale: number[]; zeroPoint: number[]; dim?: number };
}
interface FbOp {
  code: number;
  inputs: number[];
  outputs: number[];
  optionsType: number;
  /** Writes the options table; returns its offset. */
  options?: (b: flatbuffers.Builder) => number;
}

function intVector(b: flatbuffers.Builder, xs: number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]);
  return b.endVector();
}
function offsetVector(b: flatbuffers.Builder, xs: number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]);
  return b.endVector();
}

/** Serialises a one-subgraph TFLite model (field numbers of schema.fbs). */
export function buildTflite(tensors: FbTensor[], ops: FbOp[], inputs: number[], outputs: number[]): Uint8Array {
  const b = new flatbuffers.Builder(1 << 16);
  // Buffers: 0 is the empty sentinel; each constant tensor gets its own.
  const bufferIndex: number[] = [];
  const bufferOffsets: number[] = [];
  b.startObject(1);
  bufferOffsets.push(b.endObject());
  for (const t of tensors) {
    if (!t.data) {
      bufferIndex.push(0);
      continue;
    }
    const data = b.createByteVector(t.data);
    b.startObject(1);
    b.addFieldOffset(0, data, 0);
    bufferIndex.push(bufferOffsets.length);
    bufferOffsets.push(b.endObject());
  }
  const tensorOffsets = tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = intVector(b, t.shape);
    let quant = 0;
    if (t.quant) {
      b.startVector(4, t.quant.scale.length, 4);
      for (let k = t.quant.scale.length - 1; k >= 0; k--) b.addFloat32(t.quant.scale[k]);
      const scale = b.endVector();
      b.startVector(8, t.quant.zeroPoint.length, 8);
      for (let k = t.quant.zeroPoint.length - 1; k >= 0; k--) b.addInt64(BigInt(t.quant.zeroPoint[k]));
      const zp = b.endVector();
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zp, 0);
      b.addFieldInt32(6, t.quant.dim ?? 0, 0);
      quant = b.endObject();
    }
    b.startObject(5);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, -1);
    b.addFieldInt32(2, bufferIndex[i], -1);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });
  const codes = [...new Set(ops.map((o) => o.code))];
  const opOffsets = ops.map((o) => {
    const ins = intVector(b, o.inputs);
    const outs = intVector(b, o.outputs);
    const opts = o.options ? o.options(b) : 0;
    b.startObject(5);
    b.addFieldInt32(0, codes.indexOf(o.code), -1);
    b.addFieldOffset(1, ins, 0);
    b.addFieldOffset(2, outs, 0);
    b.addFieldInt8(3, o.optionsType, -1);
    if (opts) b.addFieldOffset(4, opts, 0);
    return b.endObject();
  });
  const sgTensors = offsetVector(b, tensorOffsets);
  const sgInputs = intVector(b, inputs);
  const sgOutputs = intVector(b, outputs);
  const sgOps = offsetVector(b, opOffsets);
  b.startObject(5);
  b.addFieldOffset(0, sgTensors, 0);
  b.addFieldOffset(1, sgInputs, 0);
  b.addFieldOffset(2, sgOutputs, 0);
  b.addFieldOffset(3, sgOps, 0);
  const subgraph = b.endObject();
  const codeOffsets = codes.map((c) => {
    b.startObject(4);
    b.addFieldInt8(0, Math.min(c, 127), -1);
    b.addFieldInt32(3, c, -1);
    return b.endObject();
  });
  const opcodes = offsetVector(b, codeOffsets);
  const subgraphs = offsetVector(b, [subgraph]);
  const buffers = offsetVector(b, bufferOffsets);
  const desc = b.createString('test model');
  b.startObject(5);
  b.addFieldInt32(0, 3, -1);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, desc, 0);
  b.addFieldOffset(4, buffers, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

/** Conv2DOptions / DepthwiseConv2DOptions / Pool2DOptions / ConcatenationOptions / AddOptions writers. */
export const tfliteOptions = {
  conv: (padding: 0 | 1, stride: number, act: number) => (b: flatbuffers.Builder) => {
    b.startObject(6);
    b.addFieldInt8(0, padding, -1);
    b.addFieldInt32(1, stride, -1);
    b.addFieldInt32(2, stride, -1);
    b.addFieldInt8(3, act, -1);
    b.addFieldInt32(4, 1, -1);
    b.addFieldInt32(5, 1, -1);
    return b.endObject();
  },
  depthwise: (padding: 0 | 1, stride: number, mult: number, act: number) => (b: flatbuffers.Builder) => {
    b.startObject(7);
    b.addFieldInt8(0, padding, -1);
    b.addFieldInt32(1, stride, -1);
    b.addFieldInt32(2, stride, -1);
    b.addFieldInt32(3, mult, -1);
    b.addFieldInt8(4, act, -1);
    b.addFieldInt32(5, 1, -1);
    b.addFieldInt32(6, 1, -1);
    return b.endObject();
  },
  pool: (padding: 0 | 1, stride: number, filter: number, act: number) => (b: flatbuffers.Builder) => {
    b.startObject(6);
    b.addFieldInt8(0, padding, -1);
    b.addFieldInt32(1, stride, -1);
    b.addFieldInt32(2, stride, -1);
    b.addFieldInt32(3, filter, -1);
    b.addFieldInt32(4, filter, -1);
    b.addFieldInt8(5, act, -1);
    return b.endObject();
  },
  concat: (axis: number, act: number) => (b: flatbuffers.Builder) => {
    b.startObject(2);
    b.addFieldInt32(0, axis, -1);
    b.addFieldInt8(1, act, -1);
    return b.endObject();
  },
  add: (act: number) => (b: flatbuffers.Builder) => {
    b.startObject(1);
    b.addFieldInt8(0, act, -1);
    return b.endObject();
  },
};

const u8 = (n: number, r: () => number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
const i32 = (xs: number[]) => new Uint8Array(Int32Array.from(xs).buffer);

/**
 * A tiny quantized CNN in the style of the InceptionV3 TFLite model: uint8 input (scale 1/128,
 * zero point 128), conv whose ReLU lives only in its output range, depthwise conv with fused RELU6,
 * max and average pools, concatenation and an add. Input 9×9×3, embedding tensor "features" [1,5,5,8].
 */
export function tinyTflite(seed = 1): Uint8Array {
  const r = rng(seed);
  const act = { scale: [0.05], zeroPoint: [0] }; // 0..12.75: a ReLU by range
  const tensors: FbTensor[] = [
    { name: 'input', shape: [1, 9, 9, 3], type: 3, quant: { scale: [1 / 128], zeroPoint: [128] } }, // 0
    { name: 'conv_w', shape: [4, 3, 3, 3], type: 3, data: u8(4 * 27, r), quant: { scale: [0.01], zeroPoint: [120] } }, // 1
    { name: 'conv_b', shape: [4], type: 2, data: i32([500, -300, 0, 1200]), quant: { scale: [0.01 / 128], zeroPoint: [0] } }, // 2
    { name: 'conv', shape: [1, 9, 9, 4], type: 3, quant: act }, // 3
    // Depthwise, per-channel quantized weights (axis 3), multiplier 2.
    {
      name: 'dw_w',
      shape: [1, 3, 3, 8],
      type: 3,
      data: u8(72, r),
      quant: { scale: [0.02, 0.01, 0.015, 0.02, 0.01, 0.03, 0.02, 0.01], zeroPoint: [128, 128, 128, 128, 128, 128, 128, 128], dim: 3 },
    }, // 4
    { name: 'dw_b', shape: [8], type: 2, data: i32([10, 20, -30, 40, 0, 0, 5, -5]), quant: { scale: [0.001], zeroPoint: [0] } }, // 5
    { name: 'dw', shape: [1, 5, 5, 8], type: 3, quant: act }, // 6
    { name: 'maxpool', shape: [1, 5, 5, 4], type: 3, quant: act }, // 7
    { name: 'avgpool', shape: [1, 5, 5, 4], type: 3, quant: act }, // 8
    { name: 'concat', shape: [1, 5, 5, 8], type: 3, quant: act }, // 9
    { name: 'features', shape: [1, 5, 5, 8], type: 3, quant: { scale: [0.02], zeroPoint: [10] } }, // 10
    { name: 'conv2_w', shape: [2, 1, 1, 8], type: 3, data: u8(16, r), quant: { scale: [0.01], zeroPoint: [128] } }, // 11
    { name: 'logits', shape: [1, 5, 5, 2], type: 3, quant: { scale: [0.1], zeroPoint: [128] } }, // 12
  ];
  const ops: FbOp[] = [
    { code: 3, inputs: [0, 1, 2], outputs: [3], optionsType: 1, options: tfliteOptions.conv(0, 1, 0) }, // SAME, act NONE
    { code: 4, inputs: [3, 4, 5], outputs: [6], optionsType: 2, options: tfliteOptions.depthwise(0, 2, 2, 3) }, // SAME s2, RELU6
    { code: 17, inputs: [3], outputs: [7], optionsType: 5, options: tfliteOptions.pool(0, 2, 3, 0) }, // SAME s2 3×3
    { code: 1, inputs: [3], outputs: [8], optionsType: 5, options: tfliteOptions.pool(0, 2, 2, 0) }, // SAME s2 2×2 (padding at the edge)
    { code: 2, inputs: [7, 8], outputs: [9], optionsType: 10, options: tfliteOptions.concat(3, 0) },
    { code: 0, inputs: [9, 6], outputs: [10], optionsType: 11, options: tfliteOptions.add(0) },
    { code: 3, inputs: [10, 11, -1], outputs: [12], optionsType: 1, options: tfliteOptions.conv(1, 1, 0) }, // after the embedding: must be cut off
  ];
  return buildTflite(tensors, ops, [0], [12]);
}

// --- TF.js graph model ---------------------------------------------------------------------------

interface Weight {
  name: string;
  shape: number[];
  data: Float32Array;
}

const s = (str: string) => ({ s: Buffer.from(str).toString('base64') });
const ints = (xs: number[]) => ({ list: { i: xs.map(String) } });

/**
 * A MobileNet-like TF.js graph: a node we feed (behind a placeholder the real graph never reaches),
 * scale to −1..1, conv stride 2 + bias + Relu6, depthwise with multiplier 2, a 1×1 projection,
 * an AddN residual and a final Relu6 ("features", 8 channels). Nodes after it must be ignored.
 */
export function writeTinyGraphModel(dir: string, seed = 2): { inputNode: string; outputNode: string; channels: number } {
  const r = rng(seed);
  const rand = (n: number, sc: number) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * sc);
  const weights: Weight[] = [
    { name: 'pre/mul/x', shape: [], data: Float32Array.of(2 / 255) },
    { name: 'pre/sub/y', shape: [], data: Float32Array.of(1) },
    { name: 'conv/w', shape: [3, 3, 3, 4], data: rand(108, 0.5) },
    { name: 'conv/b', shape: [4], data: rand(4, 0.2) },
    { name: 'dw/w', shape: [3, 3, 4, 2], data: rand(72, 0.5) },
    { name: 'dw/scale', shape: [8], data: rand(8, 1) },
    { name: 'proj/w', shape: [1, 1, 8, 8], data: rand(64, 0.5) },
    { name: 'head/w', shape: [1, 1, 8, 2], data: rand(16, 0.5) },
  ];
  const node = (name: string, op: string, input: string[] = [], attr: Record<string, unknown> = {}) => ({ name, op, input, attr });
  const conv = (strides: number[], padding: string) => ({
    strides: ints(strides),
    padding: s(padding),
    data_format: s('NHWC'),
    dilations: ints([1, 1, 1, 1]),
    T: { type: 1 },
  });
  const nodes = [
    node('image', 'Placeholder', [], { dtype: { type: 1 } }),
    node('decoded', 'Identity', ['image']),
    ...weights.map((w) => node(w.name, 'Const', [], { dtype: { type: 1 } })),
    node('pre/mul', 'Mul', ['pre/mul/x', 'decoded']),
    node('pre/sub', 'Sub', ['pre/mul', 'pre/sub/y']),
    node('conv', 'Conv2D', ['pre/sub', 'conv/w'], conv([1, 2, 2, 1], 'SAME')),
    node('conv/bias', 'BiasAdd', ['conv', 'conv/b'], { data_format: s('NHWC') }),
    node('conv/relu6', 'Relu6', ['conv/bias']),
    node('dw', 'DepthwiseConv2dNative', ['conv/relu6', 'dw/w'], conv([1, 1, 1, 1], 'SAME')),
    node('dw/mul', 'Mul', ['dw', 'dw/scale']),
    node('dw/relu', 'Relu', ['dw/mul']),
    node('proj', 'Conv2D', ['dw/relu', 'proj/w'], conv([1, 1, 1, 1], 'VALID')),
    node('res', 'AddN', ['proj', 'dw/relu']),
    node('features', 'Relu6', ['res:0']),
    node('head', 'Conv2D', ['features', 'head/w'], conv([1, 1, 1, 1], 'VALID')),
  ];
  const shard = Buffer.concat(weights.map((w) => Buffer.from(w.data.buffer)));
  const json = {
    modelTopology: { node: nodes, versions: { producer: 27 } },
    weightsManifest: [{ paths: ['group1-shard1of1'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'group1-shard1of1'), shard);
  return { inputNode: 'decoded', outputNode: 'features', channels: 8 };
}

// --- a fake npm package --------------------------------------------------------------------------

/** Packs the tiny graph model as an npm tarball (package/models/tiny/...); returns it with a matching entry. */
export async function fakeGraphPackage(work: string, id = 'tiny_net'): Promise<{ tgz: string; entry: BackboneEntry }> {
  const pkgDir = path.join(work, 'pkgsrc', 'package');
  const modelDir = path.join(pkgDir, 'models', 'tiny');
  const { inputNode, outputNode, channels } = writeTinyGraphModel(modelDir);
  fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: 'fake-tiny-net', version: '1.0.0' }));
  const tgz = path.join(work, 'fake-tiny-net-1.0.0.tgz');
  await tar.c({ gzip: true, file: tgz, cwd: path.join(work, 'pkgsrc') }, ['package']);
  const names = ['model.json', 'group1-shard1of1'];
  const entry: BackboneEntry = {
    id,
    label: 'Tiny test net',
    source: 'test fixture',
    licence: 'test',
    inputSize: 16,
    preprocessing: { kind: 'raw' },
    embeddingNode: outputNode,
    embeddingSize: channels,
    sha256: Object.fromEntries(names.map((n) => [n, sha256(fs.readFileSync(path.join(modelDir, n)))])),
    package: { name: 'fake-tiny-net', version: '1.0.0' },
    files: Object.fromEntries(names.map((n) => [n, `package/models/tiny/${n}`])),
    format: 'tfjs-graph',
    modelFile: 'model.json',
    inputNode,
  };
  return { tgz, entry };
}
