/**
 * Reads a TFLite model (a FlatBuffer, schema tensorflow/lite/schema/schema.fbs) into plain objects:
 * tensors, buffers, quantization and operators with their options. Only the fields a CNN needs are
 * decoded; unknown operators are kept by code so a converter can name them in its error.
 */

export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, STRING: 5, BOOL: 6, INT16: 7, COMPLEX64: 8, INT8: 9 } as const;

/** BuiltinOperator codes used by image classifiers (schema.fbs numbering). */
export const BuiltinOp = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  MEAN: 40,
  SQUEEZE: 43,
  QUANTIZE: 114,
} as const;

export const ActivationFn = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 } as const;

export interface TfliteQuantization {
  scale: number[];
  zeroPoint: number[];
  /** Axis that per-channel scales run along. */
  quantizedDimension: number;
  min?: number[];
  max?: number[];
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  /** Index into TfliteModel.buffers; buffer 0 is the empty sentinel. */
  buffer: number;
  quantization?: TfliteQuantization;
}

export interface TfliteOptions {
  padding?: 'SAME' | 'VALID';
  strideW?: number;
  strideH?: number;
  dilationW?: number;
  dilationH?: number;
  depthMultiplier?: number;
  filterW?: number;
  filterH?: number;
  activation?: number;
  axis?: number;
  newShape?: number[];
  beta?: number;
  keepDims?: boolean;
  squeezeDims?: number[];
}

export interface TfliteOperator {
  opcode: number; // BuiltinOperator, or -1 for a custom op
  customCode?: string;
  inputs: number[]; // tensor indices, -1 = optional input absent
  outputs: number[];
  options: TfliteOptions;
}

export interface TfliteModel {
  version: number;
  description: string;
  tensors: TfliteTensor[];
  buffers: (Uint8Array | undefined)[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

/** Minimal FlatBuffer table access (little-endian, offsets relative to their own position). */
class Table {
  constructor(
    private readonly view: DataView,
    readonly pos: number,
  ) {}

  private fieldOffset(field: number): number {
    const vt = this.pos - this.view.getInt32(this.pos, true);
    const vtSize = this.view.getUint16(vt, true);
    const at = 4 + field * 2;
    return at < vtSize ? this.view.getUint16(vt + at, true) : 0;
  }
  private target(field: number): number | undefined {
    const off = this.fieldOffset(field);
    if (!off) return undefined;
    const p = this.pos + off;
    return p + this.view.getUint32(p, true);
  }
  int8(field: number, dflt = 0): number {
    const off = this.fieldOffset(field);
    return off ? this.view.getInt8(this.pos + off) : dflt;
  }
  uint8(field: number, dflt = 0): number {
    const off = this.fieldOffset(field);
    return off ? this.view.getUint8(this.pos + off) : dflt;
  }
  int32(field: number, dflt = 0): number {
    const off = this.fieldOffset(field);
    return off ? this.view.getInt32(this.pos + off, true) : dflt;
  }
  uint32(field: number, dflt = 0): number {
    const off = this.fieldOffset(field);
    return off ? this.view.getUint32(this.pos + off, true) : dflt;
  }
  float32(field: number, dflt = 0): number {
    const off = this.fieldOffset(field);
    return off ? this.view.getFloat32(this.pos + off, true) : dflt;
  }
  bool(field: number, dflt = false): boolean {
    const off = this.fieldOffset(field);
    return off ? this.view.getUint8(this.pos + off) !== 0 : dflt;
  }
  string(field: number): string | undefined {
    const t = this.target(field);
    if (t === undefined) return undefined;
    const len = this.view.getUint32(t, true);
    return Buffer.from(this.view.buffer, this.view.byteOffset + t + 4, len).toString('utf8');
  }
  table(field: number): Table | undefined {
    const t = this.target(field);
    return t === undefined ? undefined : new Table(this.view, t);
  }
  private vector(field: number): { start: number; length: number } | undefined {
    const t = this.target(field);
    return t === undefined ? undefined : { start: t + 4, length: this.view.getUint32(t, true) };
  }
  tables(field: number): Table[] {
    const v = this.vector(field);
    if (!v) return [];
    const out: Table[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = v.start + i * 4;
      out.push(new Table(this.view, p + this.view.getUint32(p, true)));
    }
    return out;
  }
  int32s(field: number): number[] {
    const v = this.vector(field);
    return v ? Array.from({ length: v.length }, (_, i) => this.view.getInt32(v.start + i * 4, true)) : [];
  }
  float32s(field: number): number[] {
    const v = this.vector(field);
    return v ? Array.from({ length: v.length }, (_, i) => this.view.getFloat32(v.start + i * 4, true)) : [];
  }
  int64s(field: number): number[] {
    const v = this.vector(field);
    return v ? Array.from({ length: v.length }, (_, i) => Number(this.view.getBigInt64(v.start + i * 8, true))) : [];
  }
  bytes(field: number): Uint8Array | undefined {
    const v = this.vector(field);
    return v ? new Uint8Array(this.view.buffer, this.view.byteOffset + v.start, v.length) : undefined;
  }
}

export function readTflite(data: Uint8Array): TfliteModel {
  if (data.length < 8) throw new Error('Not a TFLite model: file too short');
  const ident = Buffer.from(data.subarray(4, 8)).toString('latin1');
  if (ident !== 'TFL3') throw new Error(`Not a TFLite model: file identifier is "${ident}", expected "TFL3"`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  try {
    return decodeModel(view);
  } catch (err) {
    if (err instanceof RangeError) throw new Error(`Corrupt TFLite model: ${err.message}`, { cause: err });
    throw err;
  }
}

function decodeModel(view: DataView): TfliteModel {
  const model = new Table(view, view.getUint32(0, true));
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
  const opcodes = model.tables(1).map((c) => {
    // OperatorCode: deprecated_builtin_code 0 (byte), custom_code 1, version 2, builtin_code 3 (int).
    const code = Math.max(c.int8(0), c.int32(3));
    const custom = c.string(1);
    return { code: custom ? -1 : code, custom };
  });
  const subgraphs = model.tables(2);
  if (subgraphs.length === 0) throw new Error('TFLite model has no subgraph');
  const sg = subgraphs[0];
  // Buffer: data 0, offset 1 (u64), size 2 (u64) — large models may keep data outside the flatbuffer.
  const buffers = model.tables(4).map((b) => {
    const bytes = b.bytes(0);
    if (bytes && bytes.length) return bytes;
    if (b.int32(1) !== 0 || b.int32(2) !== 0) throw new Error('TFLite buffers stored outside the flatbuffer are not supported');
    return undefined;
  });
  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
  const tensors = sg.tables(0).map((t, index): TfliteTensor => {
    // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4.
    const q = t.table(4);
    let quantization: TfliteQuantization | undefined;
    if (q) {
      // QuantizationParameters: min 0, max 1, scale 2, zero_point 3 (i64), details_type 4, details 5, quantized_dimension 6.
      const scale = q.float32s(2);
      if (scale.length) quantization = { scale, zeroPoint: q.int64s(3), quantizedDimension: q.int32(6), min: q.float32s(0), max: q.float32s(1) };
    }
    return { index, name: t.string(3) ?? `tensor_${index}`, shape: t.int32s(0), type: t.int8(1), buffer: t.uint32(2), quantization };
  });
  const operators = sg.tables(3).map((o): TfliteOperator => {
    // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4.
    const oc = opcodes[o.uint32(0)];
    if (!oc) throw new Error(`operator refers to missing opcode ${o.uint32(0)}`);
    return { opcode: oc.code, customCode: oc.custom, inputs: o.int32s(1), outputs: o.int32s(2), options: decodeOptions(oc.code, o.table(4)) };
  });
  return { version: model.uint32(0), description: model.string(3) ?? '', tensors, buffers, inputs: sg.int32s(1), outputs: sg.int32s(2), operators };
}

const padding = (v: number): 'SAME' | 'VALID' => (v === 1 ? 'VALID' : 'SAME');

function decodeOptions(code: number, t: Table | undefined): TfliteOptions {
  if (!t) return {};
  switch (code) {
    case BuiltinOp.CONV_2D: // padding, stride_w, stride_h, fused_activation_function, dilation_w, dilation_h
      return {
        padding: padding(t.int8(0)),
        strideW: t.int32(1, 1),
        strideH: t.int32(2, 1),
        activation: t.int8(3),
        dilationW: t.int32(4, 1),
        dilationH: t.int32(5, 1),
      };
    case BuiltinOp.DEPTHWISE_CONV_2D: // padding, stride_w, stride_h, depth_multiplier, activation, dilation_w, dilation_h
      return {
        padding: padding(t.int8(0)),
        strideW: t.int32(1, 1),
        strideH: t.int32(2, 1),
        depthMultiplier: t.int32(3, 1),
        activation: t.int8(4),
        dilationW: t.int32(5, 1),
        dilationH: t.int32(6, 1),
      };
    case BuiltinOp.AVERAGE_POOL_2D:
    case BuiltinOp.MAX_POOL_2D: // padding, stride_w, stride_h, filter_width, filter_height, activation
      return {
        padding: padding(t.int8(0)),
        strideW: t.int32(1, 1),
        strideH: t.int32(2, 1),
        filterW: t.int32(3, 1),
        filterH: t.int32(4, 1),
        activation: t.int8(5),
      };
    case BuiltinOp.CONCATENATION: // axis, activation
      return { axis: t.int32(0), activation: t.int8(1) };
    case BuiltinOp.ADD:
    case BuiltinOp.MUL:
    case BuiltinOp.FULLY_CONNECTED: // activation first
      return { activation: t.int8(0) };
    case BuiltinOp.RESHAPE:
      return { newShape: t.int32s(0) };
    case BuiltinOp.SOFTMAX:
      return { beta: t.float32(0, 1) };
    case BuiltinOp.MEAN:
      return { keepDims: t.bool(0) };
    case BuiltinOp.SQUEEZE:
      return { squeezeDims: t.int32s(0) };
    default:
      return {};
  }
}

/** A constant tensor's values as floats: dequantized (per tensor or per channel) where quantized. */
export function constantAsFloat(model: TfliteModel, tensorIndex: number): Float32Array {
  const t = model.tensors[tensorIndex];
  const raw = model.buffers[t.buffer];
  if (!raw) throw new Error(`tensor ${t.name} has no constant data`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(n);
  const read = (i: number): number => {
    switch (t.type) {
      case TensorType.FLOAT32:
        return view.getFloat32(i * 4, true);
      case TensorType.INT32:
        return view.getInt32(i * 4, true);
      case TensorType.UINT8:
        return view.getUint8(i);
      case TensorType.INT8:
        return view.getInt8(i);
      case TensorType.INT16:
        return view.getInt16(i * 2, true);
      case TensorType.INT64:
        return Number(view.getBigInt64(i * 8, true));
      default:
        throw new Error(`tensor ${t.name}: unsupported constant type ${t.type}`);
    }
  };
  const q = t.quantization;
  const quantized = q && t.type !== TensorType.FLOAT32;
  // Elements per step along the quantized axis (row-major), to map element → channel.
  const inner = quantized && q.scale.length > 1 ? t.shape.slice(q.quantizedDimension + 1).reduce((a, b) => a * b, 1) : 1;
  for (let i = 0; i < n; i++) {
    const v = read(i);
    if (!quantized) {
      out[i] = v;
    } else {
      const ch = q.scale.length > 1 ? Math.floor(i / inner) % q.scale.length : 0;
      out[i] = q.scale[ch] * (v - (q.zeroPoint[ch] ?? 0));
    }
  }
  return out;
}

/** Same as constantAsFloat but for int shapes (RESHAPE's shape input and the like). */
export function constantAsInts(model: TfliteModel, tensorIndex: number): number[] {
  return Array.from(constantAsFloat(model, tensorIndex), (v) => Math.round(v));
}
