import type { BackboneSpec, Preprocessing } from './types';

/** Checks a batch of HWC RGB bytes against the spec, with a message that says what was wrong. */
export function checkPixels(spec: BackboneSpec, pixels: Uint8Array, count: number): void {
  const per = spec.inputSize * spec.inputSize * 3;
  if (!Number.isInteger(count) || count < 0) throw new Error(`embed: count must be a non-negative integer, got ${count}`);
  if (pixels.length !== per * count) {
    throw new Error(`embed: expected ${count} image(s) of ${spec.inputSize}×${spec.inputSize}×3 bytes (${per * count}), got ${pixels.length} bytes`);
  }
}

/**
 * RGB bytes → the backbone's float input, same layout (NHWC), written into `out` when it is given and
 * big enough (an engine reuses one buffer: a fresh 10 MB array per batch cost more in page faults than
 * the conversion itself). `raw` is TypedArray.set, which converts natively (~4× a JavaScript loop).
 */
export function preprocess(pixels: Uint8Array, p: Preprocessing, out?: Float32Array): Float32Array {
  const n = pixels.length;
  const dst = out && out.length >= n ? out.subarray(0, n) : new Float32Array(n);
  if (p.kind === 'raw') {
    dst.set(pixels);
    return dst;
  }
  const mean = p.mean;
  const inv = 1 / p.std;
  for (let i = 0; i < n; i++) dst[i] = (pixels[i] - mean) * inv;
  return dst;
}
