import os from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import { checkPixels, preprocess } from '../preprocess';
import type { Backbone, BackboneSpec } from '../types';

export interface OnnxEngineOptions {
  /** Threads inside one op; default: all cores but at most 4 (more rarely helps a CNN of this size). */
  threads?: number;
}

/**
 * A converted backbone on ONNX Runtime (CPU). The model takes NHWC float input `input` and gives
 * `embedding` [batch, size] (see tflite-to-onnx / tfgraph-to-onnx).
 */
export async function openOnnxBackbone(spec: BackboneSpec, modelPath: string | Uint8Array, opts: OnnxEngineOptions = {}): Promise<Backbone> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const threads = opts.threads ?? Math.max(1, Math.min(4, os.availableParallelism()));
  const options: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1, // the graph is a chain; parallelism is inside ops
    // Spinning threads burn the core that decodes the next batch (measured: bare mobilenet 1.5× faster
    // without it on 2 busy cores, and less CPU per image in the pipeline).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const session = typeof modelPath === 'string' ? await ort.InferenceSession.create(modelPath, options) : await ort.InferenceSession.create(modelPath, options);
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  const size = spec.inputSize;
  let disposed = false;
  let scratch: Float32Array | undefined;
  let running = false;
  return {
    spec,
    engine: 'onnxruntime',
    async embed(pixels, count) {
      if (disposed) throw new Error('embed: backbone was disposed');
      checkPixels(spec, pixels, count);
      if (count === 0) return new Float32Array(0);
      // One input buffer, reused while no other run holds it (the worker runs one batch at a time).
      const reuse = !running;
      if (reuse && (!scratch || scratch.length < pixels.length)) scratch = new Float32Array(pixels.length);
      const input = new ort.Tensor('float32', preprocess(pixels, spec.preprocessing, reuse ? scratch : undefined), [count, size, size, 3]);
      if (reuse) running = true;
      let out;
      try {
        out = (await session.run({ [inputName]: input }))[outputName];
      } finally {
        if (reuse) running = false;
      }
      const data = out.data as Float32Array;
      if (data.length !== count * spec.embeddingSize) {
        throw new Error(`${spec.id}: ONNX model gave ${data.length / count} values per image, expected ${spec.embeddingSize}`);
      }
      return new Float32Array(data); // own copy, detached from the runtime's buffer
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}
