import { OnnxGraphBuilder, attr } from '../../onnx/onnx-writer';
import { ONNX_INPUT, appendPooledOutput, appendTapOutputs, clip, padAttr } from './tflite-to-onnx';
import type { FeatureTap } from '../types';
import { attrInts, attrString, weightsByName, type GraphModelFiles, type GraphNode } from '../tfjs-graph-files';

/**
 * Converts the part of a TF.js graph model between `inputNode` (fed with an NHWC float batch) and
 * `outputNode` to ONNX, with a global average pool appended: input `input` [batch, H, W, C] →
 * output `embedding` [batch, channels]. Covers the ops of a MobileNet-style feature extractor:
 * Conv2D, DepthwiseConv2dNative, Add/AddV2/BiasAdd, Sub, Mul, AddN, Relu, Relu6, Identity, Const.
 */
export function tfgraphToOnnx(files: GraphModelFiles, inputNode: string, outputNode: string, inputChannels = 3, taps?: readonly FeatureTap[]): Uint8Array {
  return tfgraphToOnnxGraph(files, inputNode, outputNode, inputChannels, taps).toBytes();
}

/** The same conversion, as a graph builder (the int8 path rewrites it before serialising). */
// eslint-disable-next-line max-lines-per-function -- one pass over the graph nodes that fills a shared builder; splitting it would thread that state through every step
export function tfgraphToOnnxGraph(
  files: GraphModelFiles,
  inputNode: string,
  outputNode: string,
  inputChannels = 3,
  taps?: readonly FeatureTap[],
): OnnxGraphBuilder {
  const nodes = new Map<string, GraphNode>(files.json.modelTopology.node.map((n) => [n.name, n]));
  const weights = weightsByName(files);
  if (!nodes.has(inputNode)) throw new Error(`graph has no node "${inputNode}"`);
  if (!nodes.has(outputNode)) throw new Error(`graph has no node "${outputNode}"`);

  const g = new OnnxGraphBuilder('tfgraph_embedding');
  g.input(ONNX_INPUT, ['batch', 'height', 'width', inputChannels]);
  // Each converted value: its ONNX name and channel count (NCHW inside the ONNX graph).
  const done = new Map<string, { name: string; channels: number }>();
  done.set(inputNode, { name: g.node('Transpose', [ONNX_INPUT], 'input_nchw', { perm: attr.ints([0, 3, 1, 2]) }), channels: inputChannels });

  const constOf = (ref: string): { shape: number[]; data: Float32Array } | undefined => {
    const n = nodes.get(ref);
    if (n?.op !== 'Const') return undefined;
    const w = weights.get(ref);
    if (!w) throw new Error(`constant "${ref}" has no weights in the manifest`);
    return w;
  };

  // Iterative post-order walk: graphs this deep would overflow a recursive one in a worker.
  const order: string[] = [];
  const state = new Map<string, 'open' | 'closed'>();
  const stack: string[] = [outputNode];
  while (stack.length) {
    const name = stack[stack.length - 1];
    if (done.has(name) || state.get(name) === 'closed') {
      stack.pop();
      continue;
    }
    const node = nodes.get(name);
    if (!node) throw new Error(`graph refers to missing node "${name}"`);
    if (node.op === 'Const') {
      state.set(name, 'closed');
      stack.pop();
      continue;
    }
    if (state.get(name) === 'open') {
      state.set(name, 'closed');
      order.push(name);
      stack.pop();
      continue;
    }
    state.set(name, 'open');
    for (const i of dataInputs(node)) {
      if (state.get(i) === 'open') throw new Error(`graph has a cycle through "${i}"`);
      if (!done.has(i) && state.get(i) !== 'closed') stack.push(i);
    }
  }

  const constValues = new Map<string, { name: string; channels: number }>();
  const value = (ref: string): { name: string; channels: number } => {
    const v = done.get(ref);
    if (v) return v;
    const cached = constValues.get(ref);
    if (cached) return cached;
    const c = constOf(ref);
    if (c) {
      const v = { name: g.floatInit(...nchwConst(ref, c)), channels: c.shape[c.shape.length - 1] ?? 1 };
      constValues.set(ref, v);
      return v;
    }
    throw new Error(`value "${ref}" is not computed before use`);
  };

  for (const name of order) {
    const node = nodes.get(name)!;
    const ins = dataInputs(node);
    const a = node.attr ?? {};
    let out: { name: string; channels: number };
    switch (node.op) {
      case 'Conv2D':
      case 'DepthwiseConv2dNative': {
        const fmt = attrString(a.data_format) ?? 'NHWC';
        if (fmt !== 'NHWC') throw new Error(`${name}: data_format ${fmt} is not supported`);
        const padding = attrString(a.padding) ?? 'VALID';
        if (padding !== 'SAME' && padding !== 'VALID') throw new Error(`${name}: padding ${padding} is not supported`);
        const filter = constOf(ins[1]);
        if (!filter) throw new Error(`${name}: filter must be a constant`);
        const x = value(ins[0]);
        const [h, w, cin, m] = filter.shape;
        const depthwise = node.op === 'DepthwiseConv2dNative';
        const oihw = depthwise ? depthwiseToOihw(filter.data, h, w, cin, m) : conv2dToOihw(filter.data, h, w, cin, m);
        const strides = attrInts(a.strides) ?? [1, 1, 1, 1];
        const dilations = attrInts(a.dilations) ?? [1, 1, 1, 1];
        const y = g.node('Conv', [x.name, g.floatInit(g.fresh('w'), oihw.dims, oihw.data)], g.fresh('conv'), {
          kernel_shape: attr.ints([h, w]),
          strides: attr.ints([strides[1], strides[2]]),
          dilations: attr.ints([dilations[1], dilations[2]]),
          group: attr.int(depthwise ? cin : 1),
          ...padAttr(padding),
        });
        out = { name: y, channels: oihw.dims[0] };
        break;
      }
      case 'Add':
      case 'AddV2':
      case 'BiasAdd':
      case 'Sub':
      case 'Mul': {
        const op = node.op === 'Sub' ? 'Sub' : node.op === 'Mul' ? 'Mul' : 'Add';
        const [x, y] = [value(ins[0]), value(ins[1])];
        const channels = done.has(ins[0]) ? x.channels : y.channels;
        out = { name: g.node(op, [x.name, y.name], g.fresh(op.toLowerCase())), channels };
        break;
      }
      case 'AddN': {
        const vs = ins.map(value);
        out = {
          name: g.node(
            'Sum',
            vs.map((v) => v.name),
            g.fresh('sum'),
          ),
          channels: vs[0].channels,
        };
        break;
      }
      case 'Relu':
      case 'Relu6': {
        const x = value(ins[0]);
        out = { name: clip(g, x.name, [0, node.op === 'Relu' ? Number.POSITIVE_INFINITY : 6]), channels: x.channels };
        break;
      }
      case 'Identity':
        out = value(ins[0]);
        break;
      default:
        throw new Error(`TF op ${node.op} (node "${name}") is not supported by the converter`);
    }
    done.set(name, out);
  }
  const result = done.get(outputNode);
  if (!result) throw new Error(`"${outputNode}" does not depend on "${inputNode}"`);
  if (taps?.length) {
    appendTapOutputs(
      g,
      taps.map((t) => {
        const v = done.get(t.node);
        if (!v) throw new Error(`tap "${t.node}" is not computed on the way to "${outputNode}"`);
        if (v.channels !== t.channels) throw new Error(`tap "${t.node}" has ${v.channels} channels, expected ${t.channels}`);
        return { name: v.name, channels: v.channels, std: !!t.std };
      }),
    );
  } else appendPooledOutput(g, result.name, result.channels);
  return g;
}

/** Data inputs of a node: control inputs (^x) dropped, output index :0 stripped. */
function dataInputs(node: GraphNode): string[] {
  return (node.input ?? []).filter((i) => !i.startsWith('^')).map((i) => i.replace(/:0$/, ''));
}

/** A constant that meets NHWC activations, reshaped to broadcast against NCHW ones. */
function nchwConst(name: string, c: { shape: number[]; data: Float32Array }): [string, number[], Float32Array] {
  const s = c.shape;
  if (s.length === 0) return [name, [], c.data];
  if (s.length === 1) return [name, [s[0], 1, 1], c.data];
  if (s.length === 4 && s[0] === 1 && s[1] === 1 && s[2] === 1) return [name, [1, s[3], 1, 1], c.data];
  throw new Error(`constant "${name}" of shape [${s}] cannot be used elementwise here`);
}

/** HWIO → OIHW. */
export function conv2dToOihw(data: Float32Array, h: number, w: number, cin: number, cout: number): { dims: number[]; data: Float32Array } {
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) out[((o * cin + i) * h + y) * w + x] = data[((y * w + x) * cin + i) * cout + o];
  return { dims: [cout, cin, h, w], data: out };
}

/** HWCM (depthwise) → (C·M)1HW; output channel c·M + m, as TF numbers them. */
export function depthwiseToOihw(data: Float32Array, h: number, w: number, cin: number, m: number): { dims: number[]; data: Float32Array } {
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < cin; c++) for (let k = 0; k < m; k++) out[((c * m + k) * h + y) * w + x] = data[((y * w + x) * cin + c) * m + k];
  return { dims: [cin * m, 1, h, w], data: out };
}
