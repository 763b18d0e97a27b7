import { ActivationFn, BuiltinOp, TensorType, constantAsFloat, type TfliteModel, type TfliteTensor } from './reader';

/**
 * A TFLite graph, cut at the embedding tensor, as float steps that both the ONNX converter and the
 * TF.js executor run. Quantized weights are dequantized; quantized activations are not rounded, but
 * clamped to the range their uint8 tensor could hold: quantized models often encode their ReLU only
 * that way (output range [0, max], fused activation NONE).
 */

export type Padding = 'SAME' | 'VALID';
/** [lo, hi]; either may be infinite. */
export type Clamp = [number, number];

export type PlanStep =
  | {
      kind: 'conv';
      input: number;
      output: number;
      /** OHWI for a regular conv, 1HW(C·M) for a depthwise one (TFLite layouts). */
      weights: Float32Array;
      weightShape: number[];
      bias?: Float32Array;
      depthwise: boolean;
      inChannels: number;
      stride: [number, number]; // [h, w]
      dilation: [number, number];
      padding: Padding;
      clamp?: Clamp;
    }
  | { kind: 'pool'; type: 'avg' | 'max'; input: number; output: number; filter: [number, number]; stride: [number, number]; padding: Padding; clamp?: Clamp }
  | { kind: 'concat'; inputs: number[]; output: number; axis: number; clamp?: Clamp }
  | { kind: 'add'; inputs: [number, number]; output: number; clamp?: Clamp }
  | { kind: 'clamp'; input: number; output: number; clamp: Clamp };

export interface TflitePlan {
  input: number;
  inputShape: number[]; // NHWC
  /** Input uint8 quantization: real = scale·(q − zeroPoint); undefined for a float input. */
  inputQuant?: { scale: number; zeroPoint: number };
  output: number;
  outputShape: number[]; // NHWC
  steps: PlanStep[];
}

const INF = Number.POSITIVE_INFINITY;

function activationRange(fn: number | undefined): Clamp {
  switch (fn ?? ActivationFn.NONE) {
    case ActivationFn.NONE:
      return [-INF, INF];
    case ActivationFn.RELU:
      return [0, INF];
    case ActivationFn.RELU6:
      return [0, 6];
    case ActivationFn.RELU_N1_TO_1:
      return [-1, 1];
    default:
      throw new Error(`unsupported fused activation ${fn}`);
  }
}

function quantRange(t: TfliteTensor): Clamp {
  const q = t.quantization;
  if (!q || t.type === TensorType.FLOAT32 || q.scale.length !== 1) return [-INF, INF];
  const zp = q.zeroPoint[0] ?? 0;
  if (t.type === TensorType.UINT8) return [q.scale[0] * (0 - zp), q.scale[0] * (255 - zp)];
  if (t.type === TensorType.INT8) return [q.scale[0] * (-128 - zp), q.scale[0] * (127 - zp)];
  return [-INF, INF];
}

function combine(fn: number | undefined, out: TfliteTensor): Clamp | undefined {
  const a = activationRange(fn);
  const b = quantRange(out);
  const c: Clamp = [Math.max(a[0], b[0]), Math.min(a[1], b[1])];
  return c[0] === -INF && c[1] === INF ? undefined : c;
}

const OP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(BuiltinOp).map(([k, v]) => [v, k]));

/** Plans the ops needed to compute `outputName` (a tensor name) from the model's first input. */
// eslint-disable-next-line max-lines-per-function -- one pass over the TFLite operators that fills a shared plan
export function planTflite(model: TfliteModel, outputName?: string): TflitePlan {
  const input = model.inputs[0];
  if (input === undefined) throw new Error('TFLite model has no input');
  const output = outputName === undefined ? model.outputs[0] : model.tensors.findIndex((t) => t.name === outputName);
  if (output < 0) throw new Error(`TFLite model has no tensor named "${outputName}"`);

  // Keep only operators the output depends on (operators are stored in execution order).
  const producer = new Map<number, number>();
  model.operators.forEach((op, i) => op.outputs.forEach((t) => producer.set(t, i)));
  const needed = new Set<number>();
  const stack = [output];
  while (stack.length) {
    const t = stack.pop()!;
    const p = producer.get(t);
    if (p === undefined || needed.has(p)) continue;
    needed.add(p);
    for (const i of model.operators[p].inputs) if (i >= 0 && !isConstant(model, i)) stack.push(i);
  }

  const steps: PlanStep[] = [];
  for (let i = 0; i < model.operators.length; i++) {
    if (!needed.has(i)) continue;
    const op = model.operators[i];
    const o = op.options;
    const out = op.outputs[0];
    const outT = model.tensors[out];
    switch (op.opcode) {
      case BuiltinOp.CONV_2D:
      case BuiltinOp.DEPTHWISE_CONV_2D: {
        const [x, w, b] = op.inputs;
        const depthwise = op.opcode === BuiltinOp.DEPTHWISE_CONV_2D;
        steps.push({
          kind: 'conv',
          input: x,
          output: out,
          weights: constantAsFloat(model, w),
          weightShape: model.tensors[w].shape,
          bias: b !== undefined && b >= 0 ? constantAsFloat(model, b) : undefined,
          depthwise,
          inChannels: model.tensors[x].shape[3],
          stride: [o.strideH ?? 1, o.strideW ?? 1],
          dilation: [o.dilationH ?? 1, o.dilationW ?? 1],
          padding: o.padding ?? 'SAME',
          clamp: combine(o.activation, outT),
        });
        break;
      }
      case BuiltinOp.AVERAGE_POOL_2D:
      case BuiltinOp.MAX_POOL_2D:
        steps.push({
          kind: 'pool',
          type: op.opcode === BuiltinOp.MAX_POOL_2D ? 'max' : 'avg',
          input: op.inputs[0],
          output: out,
          filter: [o.filterH ?? 1, o.filterW ?? 1],
          stride: [o.strideH ?? 1, o.strideW ?? 1],
          padding: o.padding ?? 'SAME',
          clamp: combine(o.activation, outT),
        });
        break;
      case BuiltinOp.CONCATENATION: {
        const rank = outT.shape.length;
        steps.push({ kind: 'concat', inputs: op.inputs, output: out, axis: ((o.axis ?? 0) + rank) % rank, clamp: combine(o.activation, outT) });
        break;
      }
      case BuiltinOp.ADD:
        steps.push({ kind: 'add', inputs: [op.inputs[0], op.inputs[1]], output: out, clamp: combine(o.activation, outT) });
        break;
      case BuiltinOp.RELU:
      case BuiltinOp.RELU6:
        steps.push({
          kind: 'clamp',
          input: op.inputs[0],
          output: out,
          clamp: combine(op.opcode === BuiltinOp.RELU ? ActivationFn.RELU : ActivationFn.RELU6, outT)!,
        });
        break;
      default:
        throw new Error(`TFLite operator ${op.customCode ?? OP_NAMES[op.opcode] ?? op.opcode} (for ${outT.name}) is not supported`);
    }
  }
  for (const s of steps) {
    const ins = s.kind === 'concat' || s.kind === 'add' ? s.inputs : [s.input];
    for (const t of ins) if (isConstant(model, t)) throw new Error(`constant input ${model.tensors[t].name} to ${s.kind} is not supported`);
  }

  const inT = model.tensors[input];
  const q = inT.quantization;
  return {
    input,
    inputShape: inT.shape,
    inputQuant: q && inT.type !== TensorType.FLOAT32 ? { scale: q.scale[0], zeroPoint: q.zeroPoint[0] ?? 0 } : undefined,
    output,
    outputShape: model.tensors[output].shape,
    steps,
  };
}

function isConstant(model: TfliteModel, t: number): boolean {
  const buf = model.buffers[model.tensors[t].buffer];
  return !!buf && buf.length > 0;
}

/** OHWI (or 1HW(C·M) when depthwise) → OIHW / (C·M)1HW as ONNX Conv wants. */
export function weightsToOihw(step: Extract<PlanStep, { kind: 'conv' }>): { dims: number[]; data: Float32Array } {
  const [a, h, w, d] = step.weightShape;
  const [O, I] = step.depthwise ? [d, 1] : [a, d];
  const out = new Float32Array(O * I * h * w);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const src = step.depthwise ? (y * w + x) * d + o : ((o * h + y) * w + x) * d + i;
          out[((o * I + i) * h + y) * w + x] = step.weights[src];
        }
  return { dims: [O, I, h, w], data: out };
}
