import type { OnnxGraphBuilder } from '../../onnx/onnx-writer';
import { paramsForRange, type QuantParams } from '../../onnx/qdq';
import { seededRandom } from '../../random';
import { preprocess } from '../preprocess';
import type { Preprocessing } from '../types';

/**
 * Static quantisation needs each activation's range. These are measured by running the float graph on
 * calibration images with every activation that will be quantised exposed as an output (min/max over
 * all images, as ONNX Runtime's MinMax calibrator does).
 */

/** The values a QDQ graph quantises: every Conv's input, and its output after a Relu/Clip that follows it; every Add. */
export function qdqCandidates(g: OnnxGraphBuilder): string[] {
  const nodes = g.graphNodes;
  const readers = new Map<string, typeof nodes>();
  for (const n of nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const out = new Set<string>();
  for (const n of nodes) {
    if (n.op === 'Conv') {
      out.add(n.inputs[0]);
      let y = n.outputs[0];
      const next = readers.get(y);
      if (next?.length === 1 && (next[0].op === 'Clip' || next[0].op === 'Relu')) y = next[0].outputs[0];
      out.add(y);
    } else if (n.op === 'Add' && n.inputs.every((i) => !g.floatInitData(i))) {
      for (const v of [...n.inputs, n.outputs[0]]) out.add(v);
    }
  }
  return [...out];
}

/** Min and max of each of `values` over `count` images, by running the float graph `g` (changed: outputs added). */
export async function measureRanges(
  g: OnnxGraphBuilder,
  values: readonly string[],
  pixels: Uint8Array,
  count: number,
  size: number,
  pre: Preprocessing,
): Promise<Map<string, { min: number; max: number }>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily (CommonJS at run time)
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  for (const v of values) g.output(v, [`${v}_n`, `${v}_c`, `${v}_h`, `${v}_w`]);
  const session = await ort.InferenceSession.create(g.toBytes(), { executionProviders: ['cpu'], graphOptimizationLevel: 'basic' });
  const ranges = new Map(values.map((v) => [v, { min: Infinity, max: -Infinity }]));
  const per = size * size * 3;
  const batch = 4;
  try {
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i);
      const input = new ort.Tensor('float32', preprocess(pixels.subarray(i * per, (i + n) * per), pre), [n, size, size, 3]);
      const res = await session.run({ [session.inputNames[0]]: input }, [...values]);
      for (const v of values) {
        const r = ranges.get(v)!;
        const d = res[v].data as Float32Array;
        for (let k = 0; k < d.length; k++) {
          const x = d[k];
          if (x < r.min) r.min = x;
          if (x > r.max) r.max = x;
        }
      }
    }
  } finally {
    await session.release();
  }
  return ranges;
}

export function rangesToParams(ranges: ReadonlyMap<string, { min: number; max: number }>): Map<string, QuantParams> {
  return new Map([...ranges].map(([v, r]) => [v, paramsForRange(r.min, r.max)]));
}

/**
 * Deterministic poster-like images for calibration (no copyrighted posters ship with the app): a
 * two-colour gradient background, soft blobs and hard rectangles (figures, panels), bright and dark
 * text-like bars, and grain, in random palettes from dark to saturated.
 */
export function calibrationPixels(size: number, count: number, seed = 20_241): Uint8Array {
  const rand = seededRandom(seed);
  const px = new Uint8Array(count * size * size * 3);
  const colour = (): number[] => {
    const dark = rand() < 0.4;
    return [0, 1, 2].map(() => Math.floor((dark ? 90 : 255) * rand()));
  };
  for (let k = 0; k < count; k++) {
    const img = px.subarray(k * size * size * 3, (k + 1) * size * size * 3);
    const [top, bottom] = [colour(), colour()];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) img[(y * size + x) * 3 + c] = top[c] + ((bottom[c] - top[c]) * y) / size;
    const shapes = 2 + Math.floor(rand() * 6);
    for (let s = 0; s < shapes; s++) {
      const col = colour();
      const [cx, cy, rx, ry] = [rand() * size, rand() * size, (0.05 + rand() * 0.4) * size, (0.05 + rand() * 0.4) * size];
      const round = rand() < 0.5;
      for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(size, cy + ry); y++)
        for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(size, cx + rx); x++) {
          const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
          const a = round ? Math.max(0, 1 - d) : 1;
          if (a <= 0) continue;
          for (let c = 0; c < 3; c++) img[(y * size + x) * 3 + c] += (col[c] - img[(y * size + x) * 3 + c]) * a;
        }
    }
    textBars(img, size, rand, colour());
    for (let i = 0; i < img.length; i++) img[i] = Math.max(0, Math.min(255, img[i] + (rand() - 0.5) * 24));
  }
  return px;
}

function textBars(img: Uint8Array, size: number, rand: () => number, col: number[]): void {
  const lines = Math.floor(rand() * 4);
  for (let l = 0; l < lines; l++) {
    const y0 = Math.floor(rand() * size * 0.9);
    const h = Math.max(2, Math.floor(size * (0.02 + rand() * 0.05)));
    let x = Math.floor(rand() * size * 0.3);
    while (x < size * 0.9) {
      const w = Math.max(1, Math.floor(h * (0.3 + rand() * 0.7)));
      for (let y = y0; y < Math.min(size, y0 + h); y++)
        for (let xx = x; xx < Math.min(size, x + w); xx++) for (let c = 0; c < 3; c++) img[(y * size + xx) * 3 + c] = col[c];
      x += w + Math.max(1, Math.floor(h * 0.3));
    }
  }
}
