import { attr, type OnnxGraphBuilder } from './onnx-writer';

/** Along one axis: output size, and per output position how many window taps fall inside the input (TF SAME pads the extra one at the end). */
export function windowCounts(size: number, k: number, stride: number, same: boolean): { out: number; counts: number[] } {
  const out = same ? Math.ceil(size / stride) : Math.floor((size - k) / stride) + 1;
  const before = same ? Math.floor(Math.max(0, (out - 1) * stride + k - size) / 2) : 0;
  const counts = Array.from({ length: out }, (_, o) => {
    const lo = o * stride - before;
    return Math.min(size, lo + k) - Math.max(0, lo);
  });
  return { out, counts };
}

/**
 * An average pool (padding left out of the count, as in TF and ONNX's default) as a depthwise Conv of
 * weights 1/(kh·kw), then, where windows reach into the padding, a Mul by (kh·kw)/count. For int8 graphs:
 * ONNX Runtime runs the Conv as its vectorised depthwise QLinearConv and the Mul as QLinearMul, where its
 * QLinearAveragePool took 29% of InceptionV3's time. `x` is NCHW. Returns the Conv's output (which the
 * caller quantises, for the Conv to fuse) and the pool's result (the same value when nothing reaches the padding).
 */
export function avgPoolAsConv(
  g: OnnxGraphBuilder,
  x: string,
  shape: { channels: number; height: number; width: number },
  filter: [number, number],
  stride: [number, number],
  same: boolean,
): { conv: string; pooled: string } {
  const [kh, kw] = filter;
  const c = shape.channels;
  const conv = g.node('Conv', [x, g.floatInit(g.fresh('avg_w'), [c, 1, kh, kw], new Float32Array(c * kh * kw).fill(1 / (kh * kw)))], g.fresh('avg_conv'), {
    kernel_shape: attr.ints([kh, kw]),
    strides: attr.ints(stride),
    group: attr.int(c),
    auto_pad: attr.string(same ? 'SAME_UPPER' : 'VALID'),
  });
  const rows = windowCounts(shape.height, kh, stride[0], same);
  const cols = windowCounts(shape.width, kw, stride[1], same);
  if (rows.counts.every((n) => n === kh) && cols.counts.every((n) => n === kw)) return { conv, pooled: conv };
  const map = new Float32Array(rows.out * cols.out);
  rows.counts.forEach((r, i) => cols.counts.forEach((q, j) => (map[i * cols.out + j] = (kh * kw) / (r * q))));
  return { conv, pooled: g.node('Mul', [conv, countCorrection(g, map, [1, 1, rows.out, cols.out])], g.fresh('avg')) };
}

/** The correction map as uint8 behind a DequantizeLinear (so the Mul fuses too) when a grid 1/d holds it exactly, else float. */
function countCorrection(g: OnnxGraphBuilder, map: Float32Array, dims: number[]): string {
  for (let d = 1; d <= 255; d++) {
    if (!map.every((v) => Math.abs(v * d - Math.round(v * d)) < 1e-4 && v * d <= 255)) continue;
    const q = g.intInit(
      g.fresh('avg_count_q'),
      dims,
      'uint8',
      Uint8Array.from(map, (v) => Math.round(v * d)),
    );
    const scale = g.floatInit(g.fresh('avg_count_s'), [], Float32Array.of(1 / d));
    const zero = g.intInit(g.fresh('avg_count_z'), [], 'uint8', Uint8Array.of(0));
    return g.node('DequantizeLinear', [q, scale, zero], g.fresh('avg_count'));
  }
  return g.floatInit(g.fresh('avg_count'), dims, map);
}
