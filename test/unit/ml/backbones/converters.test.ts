import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { loadTf } from '../../../../main/ml/tf';
import { compareEmbeddings } from '../../../../main/ml/backbones/convert/golden';
import { tfgraphToOnnx } from '../../../../main/ml/backbones/convert/tfgraph-to-onnx';
import { readGraphModelFiles } from '../../../../main/ml/backbones/tfjs-graph-files';
import { planTflite } from '../../../../main/ml/backbones/tflite/plan';
import { readTflite, BuiltinOp } from '../../../../main/ml/backbones/tflite/reader';
import { tfliteToOnnx } from '../../../../main/ml/backbones/convert/tflite-to-onnx';
import { TfliteTfExecutor } from '../../../../main/ml/backbones/tflite/tf-executor';
import { rng, tinyTflite, writeTinyGraphModel } from './fixtures';
import { tempDir } from '../../../helpers/temp';

async function runOnnx(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = (await session.run({ input: new ort.Tensor('float32', x, dims) })).embedding;
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

test('the TFLite reader decodes tensors, quantization and operator options', () => {
  const m = readTflite(tinyTflite());
  assert.equal(m.tensors.length, 13);
  assert.deepEqual(m.inputs, [0]);
  assert.deepEqual(m.tensors[0].shape, [1, 9, 9, 3]);
  assert.equal(m.tensors[0].quantization?.zeroPoint[0], 128);
  assert.equal(m.tensors[4].quantization?.scale.length, 8);
  assert.equal(m.tensors[4].quantization?.quantizedDimension, 3);
  assert.deepEqual(
    m.operators.map((o) => o.opcode),
    [
      BuiltinOp.CONV_2D,
      BuiltinOp.DEPTHWISE_CONV_2D,
      BuiltinOp.MAX_POOL_2D,
      BuiltinOp.AVERAGE_POOL_2D,
      BuiltinOp.CONCATENATION,
      BuiltinOp.ADD,
      BuiltinOp.CONV_2D,
    ],
  );
  assert.deepEqual(m.operators[1].options, { padding: 'SAME', strideW: 2, strideH: 2, depthMultiplier: 2, activation: 3, dilationW: 1, dilationH: 1 });
  assert.equal(m.operators[2].options.filterW, 3);
  assert.equal(m.operators[4].options.axis, 3);
  assert.equal(m.buffers[m.tensors[1].buffer]?.length, 108);
});

test('the TFLite reader rejects what is not a TFLite model with a clear message', () => {
  assert.throws(() => readTflite(new Uint8Array(4)), /too short/);
  assert.throws(() => readTflite(Buffer.from('PK\x03\x04not a model at all')), /Not a TFLite model/);
  const truncated = tinyTflite().slice(0, 200);
  assert.throws(() => readTflite(truncated), /Corrupt TFLite model|Not a TFLite/);
});

test('a TFLite model cut at its embedding tensor gives the same embedding on ONNX Runtime and TF.js', async () => {
  const model = readTflite(tinyTflite());
  const plan = planTflite(model, 'features');
  assert.equal(plan.steps.length, 6, 'the op after the embedding is left out');
  const onnx = tfliteToOnnx(model, 'features');

  const r = rng(7);
  const n = 3;
  const x = Float32Array.from({ length: n * 9 * 9 * 3 }, () => (Math.floor(r() * 256) - 128) / 128);
  const got = await runOnnx(onnx, x, [n, 9, 9, 3]);
  assert.deepEqual(got.dims, [n, 8]);

  const { tf } = await loadTf();
  const exec = new TfliteTfExecutor(tf, plan);
  const input = tf.tensor4d(x, [n, 9, 9, 3]);
  const ref = exec.run(input);
  const want = ref.dataSync() as Float32Array;
  input.dispose();
  ref.dispose();
  exec.dispose();

  const cmp = compareEmbeddings(got.data, want);
  assert.ok(cmp.maxAbsDiff < 1e-5, `max diff ${cmp.maxAbsDiff}`);
  // The output quantization range (zero point 10, scale 0.02) bounds every value from below.
  assert.ok(Math.min(...want) >= -0.2 - 1e-6);
  assert.ok(
    want.some((v) => v > 0.01),
    'the embedding is not all zeros',
  );
});

test('an unsupported TFLite operator is named in the error', () => {
  const model = readTflite(tinyTflite());
  model.operators[5] = { ...model.operators[5], opcode: BuiltinOp.SOFTMAX };
  assert.throws(() => tfliteToOnnx(model, 'features'), /SOFTMAX/);
  assert.throws(() => tfliteToOnnx(model, 'no such tensor'), /no tensor named "no such tensor"/);
});

test('a TF.js graph model subgraph converts to ONNX and matches tf.loadGraphModel', async () => {
  const dir = tempDir('pt-graph-');
  try {
    const { inputNode, outputNode } = writeTinyGraphModel(dir);
    const files = readGraphModelFiles(dir);
    const onnx = tfgraphToOnnx(files, inputNode, outputNode);

    const r = rng(3);
    const n = 2;
    const size = 12; // the ONNX model is fully convolutional, any size works
    const x = Float32Array.from({ length: n * size * size * 3 }, () => Math.floor(r() * 256));
    const got = await runOnnx(onnx, x, [n, size, size, 3]);
    assert.deepEqual(got.dims, [n, 8]);

    const { tf } = await loadTf();
    const model = await tf.loadGraphModel({
      load: async () => ({ modelTopology: files.json.modelTopology, weightSpecs: files.weightSpecs as never, weightData: files.weightData }),
    });
    const want = tf.tidy(() =>
      tf.mean(model.execute({ [inputNode]: tf.tensor4d(x, [n, size, size, 3]) }, outputNode) as never, [1, 2]).dataSync(),
    ) as Float32Array;
    model.dispose();
    const cmp = compareEmbeddings(got.data, want);
    assert.ok(cmp.maxAbsDiff < 1e-5, `max diff ${cmp.maxAbsDiff}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the graph converter reports unknown nodes and unsupported ops', () => {
  const dir = tempDir('pt-graph-bad-');
  try {
    const { inputNode } = writeTinyGraphModel(dir);
    const files = readGraphModelFiles(dir);
    assert.throws(() => tfgraphToOnnx(files, inputNode, 'nope'), /no node "nope"/);
    files.json.modelTopology.node.find((n) => n.name === 'dw/relu')!.op = 'Softplus';
    assert.throws(() => tfgraphToOnnx(files, inputNode, 'features'), /Softplus/);
    fs.writeFileSync(`${dir}/model.json`, '{ not json');
    assert.throws(() => readGraphModelFiles(dir), /Cannot read TF.js graph model/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a quantized TFLite model converts to an int8 QDQ graph on its own activation grids, close to the float conversion', async () => {
  const model = readTflite(tinyTflite());
  const float = tfliteToOnnx(model, 'features');
  const int8 = tfliteToOnnx(model, 'features', undefined, { int8: true });
  const text = Buffer.from(int8).toString('latin1');
  assert.match(text, /QuantizeLinear/);
  assert.match(text, /DequantizeLinear/);
  const r = rng(9);
  const n = 4;
  // Inputs on the model's own uint8 grid (scale 1/128, zero point 128), as real pixels are.
  const x = Float32Array.from({ length: n * 9 * 9 * 3 }, () => (Math.floor(r() * 256) - 128) / 128);
  const want = await runOnnx(float, x, [n, 9, 9, 3]);
  const got = await runOnnx(int8, x, [n, 9, 9, 3]);
  assert.deepEqual(got.dims, [n, 8]);
  let dot = 0;
  let a = 0;
  let b = 0;
  got.data.forEach((v, i) => {
    dot += v * want.data[i];
    a += v * v;
    b += want.data[i] ** 2;
  });
  assert.ok(dot / Math.sqrt(a * b) > 0.99, `cosine ${dot / Math.sqrt(a * b)}`);
});
