/**
 * The fixed synthetic input whose embedding fetch-models records (golden.json) and every engine
 * must reproduce: smooth gradients plus a hard-edged pattern, so both low and high frequencies count.
 */
export function goldenPixels(size: number): Uint8Array {
  const px = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const checker = ((x >> 4) + (y >> 4)) & 1;
      px[i] = Math.round((255 * x) / Math.max(1, size - 1));
      px[i + 1] = Math.round((255 * y) / Math.max(1, size - 1));
      px[i + 2] = checker ? 220 : (x * 7 + y * 13) & 255;
    }
  return px;
}

export interface Golden {
  backbone: string;
  /** How the input was made, for humans. */
  input: string;
  inputSize: number;
  /** Engine that produced the embedding (the reference path). */
  engine: string;
  embedding: number[];
}

/** Largest absolute difference, and the tolerance that applies to it (relative to the golden's scale). */
export function compareEmbeddings(got: ArrayLike<number>, want: ArrayLike<number>): { maxAbsDiff: number; tolerance: number; ok: boolean } {
  if (got.length !== want.length) return { maxAbsDiff: Infinity, tolerance: 0, ok: false };
  let maxAbsDiff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(want[i]));
  }
  const tolerance = 1e-3 * Math.max(1, scale);
  return { maxAbsDiff, tolerance, ok: maxAbsDiff <= tolerance };
}
