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

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, i) => {
  let c = 0;
  for (let v = i; v; v >>= 1) c += v & 1;
  return c;
});

/** Two 16-hex-digit hashes as 8 bytes each, for fast distances. */
export function hashBytes(hex: string): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Differing bits of two hashes (0–64). */
export function hamming(a: string | Uint8Array, b: string | Uint8Array): number {
  const x = typeof a === 'string' ? hashBytes(a) : a;
  const y = typeof b === 'string' ? hashBytes(b) : b;
  let d = 0;
  for (let i = 0; i < 8; i++) d += POPCOUNT[x[i] ^ y[i]];
  return d;
}
