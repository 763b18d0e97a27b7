// The standalone model's steps on a tiny backbone that is not mirror-invariant (the flattened pixels), checked
// against the same steps in plain JavaScript: value scaling, mirrored view, float16 rounding, column
// selection, a ReLU hidden layer, sigmoid, and the mean of the two views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxGraphBuilder, attr } from '../../../main/ml/onnx/onnx-writer';
import { readMetadataProps, splitOnnxModel } from '../../../main/ml/onnx/onnx-reader';
import { buildStandaloneModel, type DenseLayer } from '../../../main/ml/onnx/standalone-model';
import { decodeHalfInto, encodeHalf } from '../../../main/ml/features/float16';
import { seededRandom } from '../../../main/ml/random';

const S = 4;
const D = S * S * 3;

/** input [batch, S, S, 3] → embedding [batch, S·S·3]: the NHWC values themselves, times 3.3 (float16 rounding shows). */
function tinyBackbone(): Uint8Array {
  const g = new OnnxGraphBuilder('tiny');
  g.input('input', ['batch', S, S, 3]);
  const scaled = g.node('Mul', ['input', g.floatInit('k', [], Float32Array.of(3.3))], 'scaled');
  g.node('Flatten', [scaled], 'embedding', { axis: attr.int(1) });
  g.output('embedding', ['batch', D]);
  return g.toBytes();
}

function dense(rand: () => number, inputs: number, units: number, activation: DenseLayer['activation']): DenseLayer {
  return {
    kernel: Float32Array.from({ length: inputs * units }, () => rand() - 0.5),
    bias: Float32Array.from({ length: units }, () => rand() - 0.5),
    inputs,
    units,
    activation,
  };
}

function reference(pixels: Uint8Array, n: number, layers: DenseLayer[], cols: { start: number; size: number }): Float32Array {
  const g = layers.at(-1)!.units;
  const out = new Float32Array(n * g);
  for (let i = 0; i < n; i++) {
    for (const mirror of [false, true]) {
      const e = new Float32Array(D);
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++)
          for (let c = 0; c < 3; c++) {
            const sx = mirror ? S - 1 - x : x;
            e[(y * S + x) * 3 + c] = ((pixels[i * D + (y * S + sx) * 3 + c] - 128) / 128) * 3.3;
          }
      const half = new Float32Array(D);
      decodeHalfInto(encodeHalf(e), half, 0);
      let h = Array.from(half.subarray(cols.start, cols.start + cols.size));
      for (const l of layers) {
        h = Array.from({ length: l.units }, (_, u) => {
          let z = l.bias[u];
          for (let k = 0; k < l.inputs; k++) z += h[k] * l.kernel[k * l.units + u];
          return l.activation === 'relu' ? Math.max(0, z) : l.activation === 'sigmoid' ? 1 / (1 + Math.exp(-z)) : z;
        });
      }
      h.forEach((v, j) => (out[i * g + j] += v / 2));
    }
  }
  return out;
}

test('the standalone model computes scaling → both views → backbone → float16 → columns → head → sigmoid → mean', async () => {
  const rand = seededRandom(5);
  const cols = { start: 8, size: 40 };
  const layers = [dense(rand, 40, 6, 'relu'), dense(rand, 6, 3, 'sigmoid')];
  const bytes = buildStandaloneModel({
    backbone: tinyBackbone(),
    inputSize: S,
    preprocessing: { kind: 'scale', mean: 128, std: 128 },
    embeddingPrecision: 'f16',
    embeddingSize: D,
    columns: cols,
    layers,
    mirror: true,
    metadata: { genres: JSON.stringify(['A', 'B', 'C']), note: 'ünïcode' },
    producerVersion: '9.9.9',
    docString: 'test',
  });
  assert.deepEqual(readMetadataProps(bytes), { genres: '["A","B","C"]', note: 'ünïcode' });
  const parts = splitOnnxModel(bytes);
  assert.deepEqual(parts.inputs, ['image']);
  assert.deepEqual(parts.outputs, ['probabilities']);

  // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS at run time
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes);
  const n = 5;
  const pixels = Uint8Array.from({ length: n * D }, () => Math.floor(rand() * 256));
  const out = (await session.run({ image: new ort.Tensor('uint8', pixels, [n, S, S, 3]) })).probabilities;
  assert.deepEqual(out.dims, [n, 3]);
  const want = reference(pixels, n, layers, cols);
  const got = out.data as Float32Array;
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `value ${i}: ${got[i]} vs ${want[i]}`);
  await session.release();
});

test('a backbone graph the export cannot splice is refused with the reason', () => {
  const g = new OnnxGraphBuilder('two-outputs', 11);
  g.input('input', ['batch', S, S, 3]);
  g.node('Identity', ['input'], 'embedding');
  g.output('embedding', ['batch', S, S, 3]);
  const common = {
    inputSize: S,
    preprocessing: { kind: 'raw' } as const,
    embeddingPrecision: 'f32' as const,
    embeddingSize: D,
    columns: { start: 0, size: D },
    layers: [],
    mirror: false,
    metadata: {},
    producerVersion: '1',
    docString: '',
  };
  assert.throws(() => buildStandaloneModel({ ...common, backbone: g.toBytes() }), /opset 11/);
  assert.throws(() => buildStandaloneModel({ ...common, backbone: Uint8Array.of(0x0a, 0xff) }), /truncated|graphs/);
});
