/** Rows `rows` of a row-major matrix `width` values wide, copied in that order (as float32). */
export function pickRows(a: Float32Array | Uint8Array, rows: readonly number[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((i, r) => out.set(a.subarray(i * width, (i + 1) * width), r * width));
  return out;
}
