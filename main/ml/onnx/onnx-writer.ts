/**
 * Builds an ONNX model (protobuf, onnx.proto3 field numbers) from nodes and float initializers.
 * A tiny protobuf encoder is enough here: we only ever write, and only a handful of message types.
 */

// --- protobuf wire encoding -------------------------------------------------------------------

class ProtoWriter {
  private parts: Uint8Array[] = [];

  private varint(v: bigint | number): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const bytes: number[] = [];
    while (n >= 0x80n) {
      bytes.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    bytes.push(Number(n));
    this.parts.push(Uint8Array.from(bytes));
  }
  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  int(field: number, v: number | bigint): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.parts.push(b);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }
  packedInts(field: number, vs: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }
  packedFloats(field: number, vs: readonly number[]): this {
    return this.bytes(field, new Uint8Array(Float32Array.from(vs).buffer));
  }
  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

// --- ONNX model ----------------------------------------------------------------------------------

export const OnnxType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;

export type AttrValue = { int: number } | { float: number } | { ints: number[] } | { floats: number[] } | { string: string };

export const attr = {
  int: (v: number): AttrValue => ({ int: v }),
  float: (v: number): AttrValue => ({ float: v }),
  ints: (v: number[]): AttrValue => ({ ints: v }),
  floats: (v: number[]): AttrValue => ({ floats: v }),
  string: (v: string): AttrValue => ({ string: v }),
};

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  name: string;
}

interface Initializer {
  name: string;
  dims: number[];
  type: number;
  raw: Uint8Array;
}

/** An already-encoded NodeProto / TensorProto / ValueInfoProto taken from another model (see onnx-reader). */
interface Encoded {
  encoded: Uint8Array;
}

interface ValueInfo {
  name: string;
  type: number;
  /** A number is a fixed size, a string a symbolic one ("batch"). */
  dims: (number | string)[];
}

/** Accumulates a single-graph ONNX model; `toBytes()` serialises it. */
export class OnnxGraphBuilder {
  private nodes: (OnnxNode | Encoded)[] = [];
  private inits: (Initializer | Encoded)[] = [];
  private valueInfo: Encoded[] = [];
  private inputs: ValueInfo[] = [];
  private outputs: ValueInfo[] = [];
  private props: [string, string][] = [];
  private counter = 0;
  private info: { producerVersion: string; docString?: string } = { producerVersion: '1' };

  /** `nodePrefix` keeps node names unique when another model's nodes are spliced in. */
  constructor(
    readonly graphName: string,
    readonly opset = 13,
    private readonly nodePrefix = '',
  ) {}

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}__${this.counter++}`;
  }

  input(name: string, dims: (number | string)[], type: number = OnnxType.FLOAT): void {
    this.inputs.push({ name, dims, type });
  }
  output(name: string, dims: (number | string)[], type: number = OnnxType.FLOAT): void {
    this.outputs.push({ name, dims, type });
  }

  floatInit(name: string, dims: number[], data: Float32Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`initializer ${name}: ${data.length} values for shape [${dims}]`);
    const copy = new Float32Array(data); // own, aligned bytes
    this.inits.push({ name, dims, type: OnnxType.FLOAT, raw: new Uint8Array(copy.buffer) });
    return name;
  }
  /** An int8, uint8 or int32 initializer (quantised weights, zero points, biases). */
  intInit(name: string, dims: number[], type: 'int8' | 'uint8' | 'int32', data: Int8Array | Uint8Array | Int32Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`initializer ${name}: ${data.length} values for shape [${dims}]`);
    const copy = data.slice();
    const onnxType = type === 'int8' ? OnnxType.INT8 : type === 'uint8' ? OnnxType.UINT8 : OnnxType.INT32;
    this.inits.push({ name, dims, type: onnxType, raw: new Uint8Array(copy.buffer) });
    return name;
  }
  /** The float data of an initializer (for passes that rewrite weights), or undefined. */
  floatInitData(name: string): { dims: number[]; data: Float32Array } | undefined {
    const t = this.inits.find((i): i is Initializer => !('encoded' in i) && i.name === name && i.type === OnnxType.FLOAT);
    return t && { dims: t.dims, data: new Float32Array(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength / 4) };
  }
  /** Drops initializers no node reads any more (spliced, still encoded ones are kept). */
  pruneInits(): void {
    const used = new Set(this.graphNodes.flatMap((n) => n.inputs));
    this.inits = this.inits.filter((i) => 'encoded' in i || used.has(i.name));
  }
  /** The nodes in order, for rewriting passes (main/ml/onnx/qdq.ts); replace them with setNodes. Not with spliced nodes. */
  get graphNodes(): readonly OnnxNode[] {
    if (this.nodes.some((n) => 'encoded' in n)) throw new Error('graph passes cannot rewrite spliced (encoded) nodes');
    return this.nodes as OnnxNode[];
  }
  setNodes(nodes: OnnxNode[]): void {
    this.nodes = nodes;
  }
  /** Exposes an inner value as an extra graph output (calibration). */
  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }
  int64Init(name: string, values: number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dims: [values.length], type: OnnxType.INT64, raw: new Uint8Array(data.buffer) });
    return name;
  }

  node(op: string, inputs: string[], outputs: string[] | string, attrs: Record<string, AttrValue> = {}): string {
    const outs = typeof outputs === 'string' ? [outputs] : outputs;
    this.nodes.push({ op, inputs, outputs: outs, attrs, name: `${this.nodePrefix}${op}_${this.nodes.length}` });
    return outs[0];
  }

  /**
   * Another graph's encoded nodes (in their order, after the nodes added so far), initializers and
   * value infos, as onnx-reader splits them: a model composed around an existing one without decoding it.
   */
  splice(parts: { nodes: readonly Uint8Array[]; initializers: readonly Uint8Array[]; valueInfo?: readonly Uint8Array[] }): void {
    for (const encoded of parts.nodes) this.nodes.push({ encoded });
    for (const encoded of parts.initializers) this.inits.push({ encoded });
    for (const encoded of parts.valueInfo ?? []) this.valueInfo.push({ encoded });
  }

  /** A `metadata_props` entry of the model (key → string value). */
  metadata(key: string, value: string): void {
    this.props.push([key, value]);
  }

  /** The model's producer_version and doc_string. */
  modelInfo(info: { producerVersion: string; docString?: string }): void {
    this.info = info;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  toBytes(): Uint8Array {
    const graph = new ProtoWriter();
    // GraphProto: node 1, name 2, initializer 5, input 11, output 12, value_info 13.
    for (const n of this.nodes) graph.bytes(1, 'encoded' in n ? n.encoded : encodeNode(n).finish());
    graph.string(2, this.graphName);
    for (const t of this.inits) graph.bytes(5, 'encoded' in t ? t.encoded : encodeTensor(t).finish());
    for (const v of this.inputs) graph.message(11, encodeValueInfo(v));
    for (const v of this.outputs) graph.message(12, encodeValueInfo(v));
    for (const v of this.valueInfo) graph.bytes(13, v.encoded);
    // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8,
    // metadata_props 14 (StringStringEntryProto: key 1, value 2).
    const model = new ProtoWriter().int(1, 7).string(2, 'poster-tagger').string(3, this.info.producerVersion);
    if (this.info.docString) model.string(6, this.info.docString);
    model.message(7, graph).message(8, new ProtoWriter().string(1, '').int(2, this.opset));
    for (const [key, value] of this.props) model.message(14, new ProtoWriter().string(1, key).string(2, value));
    return model.finish();
  }
}

function encodeNode(n: OnnxNode): ProtoWriter {
  // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const [name, v] of Object.entries(n.attrs)) w.message(5, encodeAttr(name, v));
  return w;
}

function encodeAttr(name: string, v: AttrValue): ProtoWriter {
  // AttributeProto: name 1, f 2, i 3, s 4, floats 7, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7).
  const w = new ProtoWriter().string(1, name);
  if ('int' in v) return w.int(3, v.int).int(20, 2);
  if ('float' in v) return w.float(2, v.float).int(20, 1);
  if ('string' in v) return w.string(4, v.string).int(20, 3);
  if ('floats' in v) return w.packedFloats(7, v.floats).int(20, 6);
  return w.packedInts(8, v.ints).int(20, 7);
}

function encodeTensor(t: Initializer): ProtoWriter {
  // TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian).
  return new ProtoWriter().packedInts(1, t.dims).int(2, t.type).string(8, t.name).bytes(9, t.raw);
}

function encodeValueInfo(v: ValueInfo): ProtoWriter {
  // ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 (dim_value 1 | dim_param 2).
  const shape = new ProtoWriter();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, v.type).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}
