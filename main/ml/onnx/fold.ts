import type { OnnxGraphBuilder, OnnxNode } from './onnx-writer';

/**
 * Folds per-channel Mul and Add by constants that directly follow a Conv (TF's BiasAdd and folded batch
 * norm) into the Conv's weights and bias, and turns a two-input Sum into Add. ONNX Runtime does the same
 * for float, but quantisation needs it first: a Conv must feed its QuantizeLinear directly to become a
 * QLinearConv, and its bias must be one tensor to become int32.
 */
export function foldConvAffine(g: OnnxGraphBuilder): number {
  const nodes = g.graphNodes.map((n) => ({ ...n, inputs: [...n.inputs] }));
  const readers = new Map<string, number>();
  for (const n of nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const producerIndex = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => producerIndex.set(o, i)));
  const removed = new Set<number>();
  let folded = 0;
  nodes.forEach((c, ci) => {
    if (c.op === 'Sum' && c.inputs.length === 2) c.op = 'Add';
    if (c.op !== 'Mul' && c.op !== 'Add') return;
    if (c.op === 'Add' && foldThroughResidual(g, c, nodes, producerIndex, readers, removed)) {
      removed.add(ci);
      folded++;
      return;
    }
    for (const side of [0, 1]) {
      const pi = producerIndex.get(c.inputs[side]);
      const conv = pi === undefined ? undefined : nodes[pi];
      const k = g.floatInitData(c.inputs[1 - side]);
      if (!conv || conv.op !== 'Conv' || removed.has(pi!) || readers.get(c.inputs[side]) !== 1 || !k) continue;
      if (!foldInto(g, conv, k, c.op)) continue;
      conv.outputs = [...c.outputs];
      producerIndex.set(c.outputs[0], pi!);
      removed.add(ci);
      folded++;
      return;
    }
  });
  g.setNodes(nodes.filter((_, i) => !removed.has(i)));
  g.pruneInits();
  return folded;
}

/**
 * (conv + x) + k → (conv + k) + x: TF's optimised graphs add a batch norm's shift after the residual
 * sum; moved into the Conv's bias, the sum becomes a plain Add of two quantisable values.
 */
function foldThroughResidual(
  g: OnnxGraphBuilder,
  c: OnnxNode,
  nodes: OnnxNode[],
  producerIndex: Map<string, number>,
  readers: Map<string, number>,
  removed: Set<number>,
): boolean {
  for (const side of [0, 1]) {
    const k = g.floatInitData(c.inputs[1 - side]);
    const si = producerIndex.get(c.inputs[side]);
    const sum = si === undefined ? undefined : nodes[si];
    if (!k || !sum || sum.op !== 'Add' || removed.has(si!) || readers.get(sum.outputs[0]) !== 1) continue;
    for (const v of sum.inputs) {
      const pi = producerIndex.get(v);
      const conv = pi === undefined ? undefined : nodes[pi];
      if (!conv || conv.op !== 'Conv' || removed.has(pi!) || readers.get(v) !== 1) continue;
      if (!foldInto(g, conv, k, 'Add')) continue;
      sum.outputs = [...c.outputs];
      producerIndex.set(c.outputs[0], si!);
      return true;
    }
  }
  return false;
}

/** Applies y·k (Mul) or y + k (Add), k per output channel or scalar, to the Conv's weights or bias. */
function foldInto(g: OnnxGraphBuilder, conv: OnnxNode, k: { dims: number[]; data: Float32Array }, op: string): boolean {
  const w = g.floatInitData(conv.inputs[1]);
  if (!w) return false;
  const out = w.dims[0];
  const perChannel = k.data.length === out && k.dims.filter((d) => d !== 1).length <= 1 && (k.dims.length < 3 || k.dims[k.dims.length - 3] === out);
  if (!perChannel && k.data.length !== 1) return false;
  const kAt = (o: number): number => (perChannel ? k.data[o] : k.data[0]);
  const bias = conv.inputs[2] ? g.floatInitData(conv.inputs[2])?.data : undefined;
  if (conv.inputs[2] && !bias) return false;
  const b = bias ? new Float32Array(bias) : new Float32Array(out);
  if (op === 'Mul') {
    const per = w.data.length / out;
    const nw = new Float32Array(w.data);
    for (let o = 0; o < out; o++) {
      for (let i = o * per; i < (o + 1) * per; i++) nw[i] *= kAt(o);
      b[o] *= kAt(o);
    }
    conv.inputs[1] = g.floatInit(g.fresh('w_folded'), w.dims, nw);
    if (bias) conv.inputs[2] = g.floatInit(g.fresh('b_folded'), [out], b);
    return true;
  }
  for (let o = 0; o < out; o++) b[o] += kAt(o);
  conv.inputs[2] = g.floatInit(g.fresh('b_folded'), [out], b);
  return true;
}
