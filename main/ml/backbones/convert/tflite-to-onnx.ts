import { OnnxGraphBuilder, attr } from '../../onnx/onnx-writer';
import { quantizeQdq, type QuantParams } from '../../onnx/qdq';
import { avgPoolAsConv } from '../../onnx/avg-pool-conv';
import { TensorType } from '../tflite/reader';
import { planTflite, weightsToOihw, type Clamp, type Padding } from '../tflite/plan';
import type { TfliteModel } from '../tflite/reader';
import type { FeatureTap } from '../types';

/** Names of the converted model's single input and output. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'embedding';

/**
 * Converts a TFLite CNN, from its input to `embeddingTensor`, to ONNX (float weights, NCHW inside).
 * The ONNX input is NHWC [batch, H, W, C] holding the *real* input values (already dequantized:
 * scale·(q − zeroPoint)); the output is [batch, size]: `embeddingTensor` global-average-pooled, or with
 * `taps` every tapped tensor pooled (mean, and std where asked) and concatenated.
 *
 * `int8`: the graph keeps the model's own uint8 activation grids (its per-tensor scales and zero points)
 * as QDQ pairs and its weights as int8 per channel, so ONNX Runtime runs integer kernels; average pools
 * become depthwise convolutions (avg-pool-conv.ts); the taps are pooled in float from the dequantised
 * activations. Changing what this writes for int8 means raising INT8_GRAPH_REVISION.tflite.
 */
// eslint-disable-next-line max-lines-per-function -- one pass over the plan's steps that fills a shared builder
export function tfliteToOnnx(model: TfliteModel, embeddingTensor?: string, taps?: readonly FeatureTap[], opts: { int8?: boolean } = {}): Uint8Array {
  const plan = planTflite(model, taps?.length ? taps[taps.length - 1].node : embeddingTensor);
  const g = new OnnxGraphBuilder('tflite_embedding');
  const [, h, w, c] = plan.inputShape;
  g.input(ONNX_INPUT, ['batch', h, w, c]);
  const names = new Map<number, string>();
  names.set(plan.input, g.node('Transpose', [ONNX_INPUT], 'input_nchw', { perm: attr.ints([0, 3, 1, 2]) }));
  const name = (t: number): string => {
    const n = names.get(t);
    if (!n) throw new Error(`tensor ${t} is used before it is computed`);
    return n;
  };
  const acts = new Map<string, QuantParams>();
  const quantOf = (t: number): QuantParams | undefined => {
    const tensor = model.tensors[t];
    const q = tensor.quantization;
    if (!opts.int8 || tensor.type !== TensorType.UINT8 || !q || q.scale.length !== 1) return undefined;
    return { scale: q.scale[0], zeroPoint: q.zeroPoint[0] ?? 0 };
  };
  const clampTo = (x: string, clamp: Clamp | undefined, out: number): void => {
    const q = quantOf(out);
    // In int8 a clamp to exactly the uint8 grid's range is what QuantizeLinear's saturation does.
    const redundant = q && clamp && near(clamp[0], q.scale * -q.zeroPoint, q.scale) && near(clamp[1], q.scale * (255 - q.zeroPoint), q.scale);
    const y = clamp && !redundant ? clip(g, x, clamp) : x;
    names.set(out, y);
    if (q && !acts.has(y)) acts.set(y, q);
  };
  const inQuant = quantOf(plan.input);
  if (inQuant) acts.set('input_nchw', inQuant);

  for (const s of plan.steps) {
    switch (s.kind) {
      case 'conv': {
        const wts = weightsToOihw(s);
        const inputs = [name(s.input), g.floatInit(g.fresh('w'), wts.dims, wts.data)];
        if (s.bias) inputs.push(g.floatInit(g.fresh('b'), [s.bias.length], s.bias));
        const y = g.node('Conv', inputs, g.fresh('conv'), {
          kernel_shape: attr.ints(wts.dims.slice(2)),
          strides: attr.ints(s.stride),
          dilations: attr.ints(s.dilation),
          group: attr.int(s.depthwise ? s.inChannels : 1),
          ...padAttr(s.padding),
        });
        clampTo(y, s.clamp, s.output);
        break;
      }
      case 'pool': {
        const q = s.type === 'avg' ? quantOf(s.output) : undefined;
        if (q) {
          const [, height, width, channels] = model.tensors[s.input].shape;
          const { conv, pooled } = avgPoolAsConv(g, name(s.input), { channels, height, width }, s.filter, s.stride, s.padding === 'SAME');
          if (conv !== pooled) acts.set(conv, q);
          clampTo(pooled, s.clamp, s.output);
          break;
        }
        const y = g.node(s.type === 'max' ? 'MaxPool' : 'AveragePool', [name(s.input)], g.fresh('pool'), {
          kernel_shape: attr.ints(s.filter),
          strides: attr.ints(s.stride),
          ...padAttr(s.padding),
        });
        clampTo(y, s.clamp, s.output);
        break;
      }
      case 'concat': {
        const y = g.node('Concat', s.inputs.map(name), g.fresh('concat'), { axis: attr.int(NHWC_TO_NCHW_AXIS[s.axis]) });
        clampTo(y, s.clamp, s.output);
        break;
      }
      case 'add':
        clampTo(g.node('Add', s.inputs.map(name), g.fresh('add')), s.clamp, s.output);
        break;
      case 'clamp':
        clampTo(name(s.input), s.clamp, s.output);
        break;
    }
  }
  if (taps?.length) {
    appendTapOutputs(
      g,
      taps.map((t) => {
        const index = model.tensors.findIndex((x) => x.name === t.node);
        if (index < 0 || !names.has(index)) throw new Error(`tap "${t.node}" is not computed on the way to the embedding`);
        const channels = model.tensors[index].shape[3];
        if (channels !== t.channels) throw new Error(`tap "${t.node}" has ${channels} channels, expected ${t.channels}`);
        return { name: name(index), channels, std: !!t.std };
      }),
    );
  } else appendPooledOutput(g, name(plan.output), plan.outputShape[3]);
  if (opts.int8) {
    if (acts.size === 0) throw new Error('int8 conversion: the TFLite model has no uint8 activations');
    quantizeQdq(g, acts);
  }
  return g.toBytes();
}

function near(a: number, b: number, scale: number): boolean {
  return Math.abs(a - b) <= scale * 0.01;
}

/** NHWC axis → NCHW axis. */
export const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

/** TF's SAME pads the extra row/column at the end, which is ONNX's SAME_UPPER. */
export function padAttr(padding: Padding): Record<string, ReturnType<typeof attr.string>> {
  return { auto_pad: attr.string(padding === 'SAME' ? 'SAME_UPPER' : 'VALID') };
}

export function clip(g: OnnxGraphBuilder, x: string, [lo, hi]: Clamp): string {
  if (lo === 0 && hi === Number.POSITIVE_INFINITY) return g.node('Relu', [x], g.fresh('relu'));
  // Clip (opset ≥ 11) takes its bounds as inputs; an empty name leaves that side open.
  const min = lo === Number.NEGATIVE_INFINITY ? '' : g.floatInit(g.fresh('lo'), [], Float32Array.of(lo));
  const max = hi === Number.POSITIVE_INFINITY ? '' : g.floatInit(g.fresh('hi'), [], Float32Array.of(hi));
  return g.node('Clip', [x, min, max], g.fresh('clip'));
}

/**
 * The multi-depth output `embedding`: per tap [N, C, H, W] → its spatial means [N, C], then (std) its
 * spatial standard deviations sqrt(max(0, E[x²] − E[x]²)), all concatenated along axis 1.
 */
export function appendTapOutputs(g: OnnxGraphBuilder, taps: readonly { name: string; channels: number; std: boolean }[]): void {
  const parts: string[] = [];
  let size = 0;
  for (const t of taps) {
    const mean = g.node('GlobalAveragePool', [t.name], g.fresh('gap'));
    parts.push(g.node('Flatten', [mean], g.fresh('mean'), { axis: attr.int(1) }));
    size += t.channels;
    if (t.std) {
      const sq = g.node('GlobalAveragePool', [g.node('Mul', [t.name, t.name], g.fresh('sq'))], g.fresh('gap_sq'));
      const variance = g.node('Relu', [g.node('Sub', [sq, g.node('Mul', [mean, mean], g.fresh('mean_sq'))], g.fresh('var'))], g.fresh('var_pos'));
      parts.push(g.node('Flatten', [g.node('Sqrt', [variance], g.fresh('std'))], g.fresh('std_flat'), { axis: attr.int(1) }));
      size += t.channels;
    }
  }
  g.node('Concat', parts, ONNX_OUTPUT, { axis: attr.int(1) });
  g.output(ONNX_OUTPUT, ['batch', size]);
}

/** Global average pool then flatten: [N, C, H, W] → [N, C], as the output `embedding`. */
export function appendPooledOutput(g: OnnxGraphBuilder, x: string, channels: number): void {
  const pooled = g.node('GlobalAveragePool', [x], g.fresh('gap'));
  g.node('Flatten', [pooled], ONNX_OUTPUT, { axis: attr.int(1) });
  g.output(ONNX_OUTPUT, ['batch', channels]);
}
