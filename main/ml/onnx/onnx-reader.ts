/**
 * Splits an ONNX model (protobuf) into its graph's encoded parts — nodes, initializers, value infos —
 * and the names of its inputs and outputs, without decoding the parts: enough to splice the graph into
 * a bigger one with OnnxGraphBuilder.splice. Only the wire format is read (onnx.proto3 field numbers).
 */

/** One top-level field of a protobuf message: its number and its bytes (length-delimited) or value. */
interface Field {
  field: number;
  wire: number;
  bytes?: Uint8Array;
  value?: bigint;
}

function readVarint(buf: Uint8Array, at: { pos: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (at.pos >= buf.length) throw new Error('ONNX file ends inside a number (truncated?)');
    const b = buf[at.pos++];
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return result;
    shift += 7n;
    if (shift > 70n) throw new Error('ONNX file has a malformed number');
  }
}

/** The top-level fields of one message, in file order. */
export function readFields(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  const at = { pos: 0 };
  while (at.pos < buf.length) {
    const key = Number(readVarint(buf, at));
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, value: readVarint(buf, at) });
    else if (wire === 2) {
      const len = Number(readVarint(buf, at));
      if (at.pos + len > buf.length) throw new Error('ONNX file ends inside a field (truncated?)');
      fields.push({ field, wire, bytes: buf.subarray(at.pos, at.pos + len) });
      at.pos += len;
    } else if (wire === 5 || wire === 1) {
      const len = wire === 5 ? 4 : 8;
      fields.push({ field, wire, bytes: buf.subarray(at.pos, at.pos + len) });
      at.pos += len;
    } else throw new Error(`ONNX file has an unsupported protobuf wire type ${wire}`);
  }
  return fields;
}

const utf8 = new TextDecoder();

/** A ValueInfoProto's name (field 1). */
function valueName(bytes: Uint8Array): string {
  const f = readFields(bytes).find((x) => x.field === 1 && x.bytes);
  return f?.bytes ? utf8.decode(f.bytes) : '';
}

export interface OnnxGraphParts {
  irVersion: number;
  /** opset_import: domain ('' is the default one) → version. */
  opsets: Map<string, number>;
  nodes: Uint8Array[];
  initializers: Uint8Array[];
  valueInfo: Uint8Array[];
  inputs: string[];
  outputs: string[];
}

/** The graph of a model file's bytes, split into encoded parts. */
export function splitOnnxModel(model: Uint8Array): OnnxGraphParts {
  const top = readFields(model);
  const graphs = top.filter((f) => f.field === 7 && f.bytes);
  if (graphs.length !== 1) throw new Error(`not an ONNX model: ${graphs.length} graphs`);
  const opsets = new Map<string, number>();
  for (const f of top.filter((x) => x.field === 8 && x.bytes)) {
    const sub = readFields(f.bytes!);
    const domain = sub.find((x) => x.field === 1)?.bytes;
    opsets.set(domain ? utf8.decode(domain) : '', Number(sub.find((x) => x.field === 2)?.value ?? 0n));
  }
  const parts: OnnxGraphParts = {
    irVersion: Number(top.find((f) => f.field === 1)?.value ?? 0n),
    opsets,
    nodes: [],
    initializers: [],
    valueInfo: [],
    inputs: [],
    outputs: [],
  };
  // GraphProto: node 1, initializer 5, input 11, output 12, value_info 13; sparse initializers (15) are not
  // made by our converters and would be lost, so they are refused.
  for (const f of readFields(graphs[0].bytes!)) {
    if (f.field === 1) parts.nodes.push(f.bytes!);
    else if (f.field === 5) parts.initializers.push(f.bytes!);
    else if (f.field === 11) parts.inputs.push(valueName(f.bytes!));
    else if (f.field === 12) parts.outputs.push(valueName(f.bytes!));
    else if (f.field === 13) parts.valueInfo.push(f.bytes!);
    else if (f.field === 15) throw new Error('ONNX graphs with sparse initializers are not supported');
  }
  return parts;
}

/** A model's metadata_props (ModelProto field 14: key 1, value 2). */
export function readMetadataProps(model: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readFields(model)) {
    if (f.field !== 14 || !f.bytes) continue;
    const entry = readFields(f.bytes);
    const text = (n: number) => {
      const b = entry.find((x) => x.field === n)?.bytes;
      return b ? utf8.decode(b) : '';
    };
    out[text(1)] = text(2);
  }
  return out;
}
