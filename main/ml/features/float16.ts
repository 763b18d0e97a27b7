/**
 * IEEE 754 half precision for the embedding cache. Embeddings are post-ReLU pooled activations
 * (0…~50): float16's 11-bit significand keeps them to ~0.05% and halves the cache. Hand-written, not a
 * polyfill's Float16Array, because the cache decodes tens of millions of values per training run and
 * a table lookup per value is ~50× faster than a Proxy-based array.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → float16 bits, round to nearest even; overflow → ±Infinity, NaN stays NaN. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large
  if (e <= 0) {
    if (e < -10) return sign; // too small: ±0
    mant |= 0x800000; // subnormal half: shift the implicit bit in
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // may carry into the exponent: still correct
  return sign | half;
}

let table: Float32Array | undefined;

/** All 65,536 half values as float32, built once. */
function decodeTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    table[h] = exp === 0 ? sign * mant * 2 ** -24 : exp === 0x1f ? (mant ? NaN : sign * Infinity) : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return table;
}

/** Encodes floats as little-endian float16 bytes. */
export function encodeHalf(values: ArrayLike<number>): Buffer {
  const out = Buffer.allocUnsafe(values.length * 2);
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(toHalfBits(values[i]), i * 2);
  return out;
}

/** Decodes little-endian float16 bytes into `out` at `offset`. */
export function decodeHalfInto(bytes: Uint8Array, out: Float32Array, offset: number): void {
  const t = decodeTable();
  const n = bytes.length >>> 1;
  for (let i = 0; i < n; i++) out[offset + i] = t[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
}
