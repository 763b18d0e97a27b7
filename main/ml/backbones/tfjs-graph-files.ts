import fs from 'node:fs';
import path from 'node:path';

/** A node of a TF GraphDef as the TF.js converter writes it to model.json. */
export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, GraphAttr>;
}

export interface GraphAttr {
  s?: string | number[];
  i?: string | number;
  f?: number;
  b?: boolean;
  list?: { i?: (string | number)[]; s?: (string | number[])[] };
  [k: string]: unknown;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  quantization?: unknown;
}

export interface GraphModelFiles {
  /** The model.json as read (old layout: modelTopology = GraphDef with `node`). */
  json: { modelTopology: { node: GraphNode[]; [k: string]: unknown }; weightsManifest: { paths: string[]; weights: WeightSpec[] }[]; [k: string]: unknown };
  weightSpecs: WeightSpec[];
  /** All shards concatenated in manifest order. */
  weightData: ArrayBuffer;
}

/** Reads a TF.js graph model (model.json and its weight shards) from a folder. */
export function readGraphModelFiles(dir: string, jsonName = 'model.json'): GraphModelFiles {
  const file = path.join(dir, jsonName);
  let json: GraphModelFiles['json'];
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read TF.js graph model ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!json?.modelTopology || !Array.isArray(json.modelTopology.node) || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${file} is not a TF.js graph model (no modelTopology.node or weightsManifest)`);
  }
  const weightSpecs: WeightSpec[] = [];
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) shards.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return { json, weightSpecs, weightData };
}

/** Weight values by node name, as float32 (int32 constants are converted too). */
export function weightsByName(files: GraphModelFiles): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  for (const w of files.weightSpecs) {
    if (w.quantization) throw new Error(`weight ${w.name} is quantized in the manifest; not supported`);
    const n = w.shape.reduce((a, b) => a * b, 1);
    const bytes = n * (w.dtype === 'bool' ? 1 : 4);
    if (offset + bytes > files.weightData.byteLength) throw new Error(`weight shards are too short for ${w.name}`);
    const slice = files.weightData.slice(offset, offset + bytes);
    const data =
      w.dtype === 'float32'
        ? new Float32Array(slice)
        : w.dtype === 'int32'
          ? Float32Array.from(new Int32Array(slice))
          : Float32Array.from(new Uint8Array(slice));
    out.set(w.name, { shape: w.shape, data });
    offset += bytes;
  }
  return out;
}

/** A string attribute, stored either as base64 or (older converters) as an array of char codes. */
export function attrString(a: GraphAttr | undefined): string | undefined {
  if (a?.s === undefined) return undefined;
  return Array.isArray(a.s) ? String.fromCharCode(...a.s) : Buffer.from(a.s, 'base64').toString('latin1');
}

export function attrInts(a: GraphAttr | undefined): number[] | undefined {
  return a?.list?.i?.map((v) => Number(v));
}
