import type { BackboneSpec, Preprocessing } from './types';

/** Checks a batch of HWC RGB bytes against the spec, with a message that says what was wrong. */
export function checkPixels(spec: BackboneSpec, pixels: Uint8Array, count: number): void {
  const per = spec.inputSize * spec.inputSize * 3;
  if (!Number.isInteger(count) || count < 0) throw new Error(`embed: count must be a non-negative integer, got ${count}`);
  if (pixels.length !== per * count) {
    throw new Error(`embed: expected ${count} image(s) of ${spec.inputSize}×${spec.inputSize}×3 bytes (${per * count}), got ${pixels.length} bytes`);
  }
}

/** RGB bytes → the backbone's float input, same layout (NHWC). */
export function preprocess(pixels: Uint8Array, p: Preprocessing): Float32Array {
  const out = new Float32Array(pixels.length);
  if (p.kind === 'raw') {
    for (let i = 0; i < pixels.length; i++) out[i] = pixels[i];
  } else {
    const inv = 1 / p.std;
    for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i] - p.mean) * inv;
  }
  return out;
}
