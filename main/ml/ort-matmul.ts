// One ONNX Runtime session computing A·B: the heavy products of the default head (~5× TF.js wasm here).
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { OnnxGraphBuilder } from './onnx/onnx-writer';

export type Ort = typeof import('onnxruntime-node');

/** A session for A·B with dynamic sizes. */
export async function matMulSession(ort: Ort): Promise<InferenceSession> {
  const g = new OnnxGraphBuilder('matmul');
  g.input('a', ['m', 'k']);
  g.input('b', ['k', 'n']);
  g.node('MatMul', ['a', 'b'], 'y');
  g.output('y', ['m', 'n']);
  return ort.InferenceSession.create(g.toBytes(), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

export async function matMul(ort: Ort, s: InferenceSession, a: Float32Array, m: number, k: number, b: Float32Array, n: number): Promise<Float32Array> {
  const out = await s.run({ a: new ort.Tensor('float32', a, [m, k]), b: new ort.Tensor('float32', b, [k, n]) });
  return (out.y as OrtTensor).data as Float32Array;
}
