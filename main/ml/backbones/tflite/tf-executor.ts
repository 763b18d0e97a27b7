import type { TfRuntime } from '../../tf';
import type { Clamp, TflitePlan } from './plan';

type Tf = TfRuntime['tf'];
type Tensor = ReturnType<Tf['tensor']>;
type Tensor4D = ReturnType<Tf['tensor4d']>;

/**
 * Runs a planned TFLite graph with TF.js ops (NHWC, float). This is the reference path for TFLite
 * backbones and the fallback engine when no verified ONNX model is present.
 */
export class TfliteTfExecutor {
  private readonly weights = new Map<number, { filter: Tensor4D; bias?: Tensor }>();

  /** Tensor indices of the taps (multi-depth embedding), when given. */
  private readonly tapIndices?: { index: number; std: boolean }[];

  constructor(
    private readonly tf: Tf,
    readonly plan: TflitePlan,
    taps?: readonly { index: number; std?: boolean }[],
  ) {
    this.tapIndices = taps?.map((t) => ({ index: t.index, std: !!t.std }));
    for (const [i, s] of plan.steps.entries()) {
      if (s.kind !== 'conv') continue;
      const [a, h, w, d] = s.weightShape;
      // TFLite OHWI → HWIO; depthwise 1HW(C·M) → HWCM.
      const filter = s.depthwise
        ? (tf.reshape(tf.tensor(s.weights, [h, w, d]), [h, w, s.inChannels, d / s.inChannels]) as Tensor4D)
        : tf.tidy(() => tf.transpose(tf.tensor4d(s.weights, [a, h, w, d]), [1, 2, 3, 0]) as Tensor4D);
      this.weights.set(i, { filter, bias: s.bias ? tf.tensor1d(s.bias) : undefined });
    }
  }

  /** `input` is NHWC float with real (dequantized) values; returns [N, size] pooled embeddings (see poolTaps). */
  run(input: Tensor4D): Tensor {
    const tf = this.tf;
    return tf.tidy(() => {
      const values = new Map<number, Tensor4D>([[this.plan.input, input]]);
      const get = (t: number): Tensor4D => {
        const v = values.get(t);
        if (!v) throw new Error(`tensor ${t} is used before it is computed`);
        return v;
      };
      for (const [i, s] of this.plan.steps.entries()) {
        let y: Tensor4D;
        switch (s.kind) {
          case 'conv': {
            const { filter, bias } = this.weights.get(i)!;
            const pad = s.padding === 'SAME' ? 'same' : 'valid';
            y = s.depthwise
              ? tf.depthwiseConv2d(get(s.input), filter, s.stride, pad, 'NHWC', s.dilation)
              : tf.conv2d(get(s.input), filter, s.stride, pad, 'NHWC', s.dilation);
            if (bias) y = tf.add(y, bias);
            break;
          }
          case 'pool': {
            const pad = s.padding === 'SAME' ? 'same' : 'valid';
            y = s.type === 'max' ? tf.maxPool(get(s.input), s.filter, s.stride, pad) : tf.avgPool(get(s.input), s.filter, s.stride, pad);
            break;
          }
          case 'concat':
            y = tf.concat(s.inputs.map(get), s.axis);
            break;
          case 'add':
            y = tf.add(get(s.inputs[0]), get(s.inputs[1]));
            break;
          case 'clamp':
            y = get(s.input);
            break;
        }
        values.set(s.output, applyClamp(tf, y, s.clamp));
      }
      if (this.tapIndices)
        return poolTaps(
          tf,
          this.tapIndices.map((t) => ({ x: get(t.index), std: t.std })),
        );
      return tf.mean(get(this.plan.output), [1, 2]);
    });
  }

  dispose(): void {
    for (const { filter, bias } of this.weights.values()) {
      filter.dispose();
      bias?.dispose();
    }
    this.weights.clear();
  }
}

function applyClamp(tf: Tf, x: Tensor4D, clamp: Clamp | undefined): Tensor4D {
  if (!clamp) return x;
  const [lo, hi] = clamp;
  if (lo === 0 && hi === Number.POSITIVE_INFINITY) return tf.relu(x);
  if (lo === 0 && hi === 6) return tf.relu6(x);
  let y = x;
  if (lo !== Number.NEGATIVE_INFINITY) y = tf.maximum(y, lo);
  if (hi !== Number.POSITIVE_INFINITY) y = tf.minimum(y, hi);
  return y;
}

/**
 * NHWC activations → per channel spatial mean, then (std) sqrt(max(0, E[x²] − E[x]²)), concatenated:
 * the same formula as the ONNX graph's (tflite-to-onnx appendTapOutputs), so both engines agree.
 */
export function poolTaps(tf: Tf, taps: readonly { x: Tensor; std: boolean }[]): Tensor {
  const parts: Tensor[] = [];
  for (const { x, std } of taps) {
    const mean = tf.mean(x, [1, 2]);
    parts.push(mean);
    if (std) parts.push(tf.sqrt(tf.relu(tf.sub(tf.mean(tf.mul(x, x), [1, 2]), tf.mul(mean, mean)))));
  }
  return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
}
