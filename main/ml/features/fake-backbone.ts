import type { Backbone, BackboneSpec, EngineName } from '../backbones/types';

/**
 * A tiny deterministic stand-in for a real backbone, for tests and for developing the pipeline
 * without model files. Id: `fake` or `fake?size=16&delayMs=200` (input size; blocking time per batch,
 * which stands in for inference that only terminating the thread can interrupt).
 * Embedding (8-d): mean R, G, B of the left half, of the right half (0..1), mean of the top half,
 * of the bottom half; so a flipped image swaps the first two triples and keeps the rest.
 */
export async function openBackbone(id: string, opts: { engine?: EngineName | 'auto' } = {}): Promise<Backbone> {
  const spec = fakeSpec(id);
  const size = spec.inputSize;
  const delayMs = Number(new URLSearchParams(id.split('?')[1] ?? '').get('delayMs') ?? 0);
  let disposed = false;
  return {
    spec,
    engine: opts.engine === 'tfjs' ? 'tfjs' : 'onnxruntime',
    async embed(pixels, count) {
      if (disposed) throw new Error('Backbone disposed');
      if (pixels.length !== count * size * size * 3) throw new Error(`Expected ${count}×${size}×${size}×3 bytes, got ${pixels.length}`);
      if (delayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
      const out = new Float32Array(count * 8);
      for (let n = 0; n < count; n++) out.set(fakeEmbedding(pixels.subarray(n * size * size * 3, (n + 1) * size * size * 3), size), n * 8);
      return out;
    },
    async dispose() {
      disposed = true;
    },
  };
}

export function fakeSpec(id: string): BackboneSpec {
  const size = Number(new URLSearchParams(id.split('?')[1] ?? '').get('size') ?? 16);
  return {
    id,
    label: 'Fake (tests)',
    source: 'main/ml/features/fake-backbone.ts',
    licence: 'MIT',
    inputSize: size,
    preprocessing: { kind: 'raw' },
    embeddingNode: 'none',
    embeddingSize: 8,
    sha256: {},
  };
}

/** The fake embedding of one size×size×3 image (exported so tests can compute what to expect). */
export function fakeEmbedding(img: Uint8Array, size: number): Float32Array {
  const sums = new Float64Array(8);
  const half = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const side = x < half ? 0 : 3;
      for (let c = 0; c < 3; c++) sums[side + c] += img[i + c];
      sums[y < half ? 6 : 7] += (img[i] + img[i + 1] + img[i + 2]) / 3;
    }
  }
  const halfArea = (size * size) / 2;
  return Float32Array.from(sums, (s) => s / halfArea / 255);
}
