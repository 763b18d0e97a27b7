/**
 * A 64-bit perceptual hash (pHash, Zauner 2010): the poster in grey at 32×32, its 2-D DCT-II, and one bit
 * per coefficient of the 8×8 lowest frequencies (the DC term left out) above their median. Re-encodes and
 * resizes change a few bits at most; a different poster about half. It is computed when a file is indexed
 * (from its thumbnail, already decoded small), so near-duplicates across train and val are known before
 * any embedding exists. Immich finds duplicates on CLIP embeddings (main/loop does the same on the
 * backbone's), digiKam on Haar-wavelet signatures; a DCT hash is the cheap, model-free one. The sharp-phash
 * package does the same with an O(N⁴) DCT, 22 ms a poster here; this separable one is ~0.1 ms.
 */
import sharp from 'sharp';

/** The side of the grey square the hash is computed on. */
export const PHASH_SIZE = 32;
const N = PHASH_SIZE;
const LOW = 8;

/** COS[u·N + x] = cos((2x + 1)uπ / 2N), the DCT-II basis (scale factors do not change the bits). */
const COS = (() => {
  const c = new Float64Array(N * N);
  for (let u = 0; u < N; u++) for (let x = 0; x < N; x++) c[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return c;
})();

/** The hash of N×N grey pixels (row-major), as 16 hex digits. */
export function phashOfPixels(px: ArrayLike<number>): string {
  // Rows first (only the LOW + 1 lowest frequencies are needed), then columns.
  const rows = new Float64Array(N * (LOW + 1));
  for (let y = 0; y < N; y++)
    for (let u = 0; u <= LOW; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += px[y * N + x] * COS[u * N + x];
      rows[y * (LOW + 1) + u] = s;
    }
  const coeffs: number[] = [];
  for (let v = 1; v <= LOW; v++)
    for (let u = 1; u <= LOW; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * (LOW + 1) + u] * COS[v * N + y];
      coeffs.push(s);
    }
  const median = [...coeffs].sort((a, b) => a - b)[coeffs.length / 2];
  let hex = '';
  for (let i = 0; i < 64; i += 4) {
    let nibble = 0;
    for (let b = 0; b < 4; b++) nibble = (nibble << 1) | (coeffs[i + b] > median ? 1 : 0);
    hex += nibble.toString(16);
  }
  return hex;
}

/** The perceptual hash of an image file or buffer (oriented as shown). */
export async function perceptualHash(input: string | Buffer): Promise<string> {
  const px = await sharp(input, { failOn: 'none' }).autoOrient().greyscale().resize(N, N, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  return phashOfPixels(px);
}

/** A hash's 64 bits as two 32-bit words, for fast distances. */
export function phashWords(hex: string): [number, number] {
  return [parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8, 16), 16)];
}

/** Set bits of a 32-bit word. */
export function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Differing bits of two hashes (0–64). */
export function hamming(a: string, b: string): number {
  const [a0, a1] = phashWords(a);
  const [b0, b1] = phashWords(b);
  return popcount32(a0 ^ b0) + popcount32(a1 ^ b1);
}
