/**
 * One ONNX file that does what the app does to a poster, from decoded pixels to probabilities:
 *
 *   image uint8 [batch, S, S, 3] (RGB, NHWC, already resized to S×S)
 *     → float → the backbone's value preprocessing ((x − mean) / std, or none)
 *     → the original and its mirror image (flipped left–right), as one batch of 2·batch
 *     → the backbone graph (its taps pooled into the embedding, exactly the file the app runs)
 *     → float16 and back when the app's embedding cache stores float16 (the app scores the cached values)
 *     → the head's dense layers → sigmoid
 *     → the mean of the two views' probabilities → probabilities [batch, genres]
 *
 * The backbone is spliced in as encoded protobuf parts (onnx-reader), so its weights are copied byte for
 * byte and any backbone file the app can run (float32 today, other variants later) can be exported.
 */
import { OnnxGraphBuilder, OnnxType, attr } from './onnx-writer';
import { splitOnnxModel } from './onnx-reader';
import type { Preprocessing } from '../backbones/types';

export const STANDALONE_INPUT = 'image';
export const STANDALONE_OUTPUT = 'probabilities';

export interface DenseLayer {
  /** inputs × units, row-major (TF.js / Keras kernel layout). */
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  units: number;
  activation: 'relu' | 'sigmoid' | 'linear';
}

export interface StandaloneModelInput {
  /** The backbone's ONNX file: NHWC float input → `embedding` [batch, embeddingSize]. */
  backbone: Uint8Array;
  inputSize: number;
  preprocessing: Preprocessing;
  /** How the app stores embeddings before the head reads them. */
  embeddingPrecision: 'f32' | 'f16';
  embeddingSize: number;
  /** The embedding columns the head reads (all, or a legacy head's last-tap means). */
  columns: { start: number; size: number };
  layers: readonly DenseLayer[];
  /** Average the mirrored view's probabilities in (the app's test-time flip). */
  mirror: boolean;
  metadata: Record<string, string>;
  producerVersion: string;
  docString: string;
}

/** The smallest int64: "to the start" as the end of a reversing Slice. */
const INT64_MIN = -(2 ** 63);

export function buildStandaloneModel(m: StandaloneModelInput): Uint8Array {
  const parts = splitOnnxModel(m.backbone);
  const opset = parts.opsets.get('') ?? 0;
  // Slice, Cast and ReduceMean (axes as an attribute) as used here mean the same from opset 13 to 17.
  if (opset < 13 || opset > 17) throw new Error(`the backbone's ONNX graph uses opset ${opset}; export supports 13–17`);
  if ([...parts.opsets.keys()].some((d) => d !== '' && d !== 'ai.onnx')) throw new Error("the backbone's ONNX graph uses operators outside the standard set");
  if (parts.inputs.length !== 1 || parts.outputs.length !== 1)
    throw new Error(`the backbone's ONNX graph has ${parts.inputs.length} inputs and ${parts.outputs.length} outputs; expected one of each`);
  const g = new OnnxGraphBuilder('poster_tagger', opset, 'pt/');
  g.modelInfo({ producerVersion: m.producerVersion, docString: m.docString });
  const s = m.inputSize;
  g.input(STANDALONE_INPUT, ['batch', s, s, 3], OnnxType.UINT8);

  let x = g.node('Cast', [STANDALONE_INPUT], 'pt/pixels', { to: attr.int(OnnxType.FLOAT) });
  if (m.preprocessing.kind === 'scale') {
    const mean = g.floatInit('pt/mean', [], Float32Array.of(m.preprocessing.mean));
    const inv = g.floatInit('pt/inv_std', [], Float32Array.of(1 / m.preprocessing.std));
    x = g.node('Mul', [g.node('Sub', [x, mean], 'pt/centred'), inv], 'pt/scaled');
  }
  const backboneInput = parts.inputs[0];
  if (m.mirror) {
    const flipped = g.node(
      'Slice',
      [x, g.int64Init('pt/flip_starts', [-1]), g.int64Init('pt/flip_ends', [INT64_MIN]), g.int64Init('pt/flip_axes', [2]), g.int64Init('pt/flip_steps', [-1])],
      'pt/mirrored',
    );
    g.node('Concat', [x, flipped], backboneInput, { axis: attr.int(0) });
  } else g.node('Identity', [x], backboneInput);

  g.splice(parts);

  let e = parts.outputs[0];
  if (m.embeddingPrecision === 'f16') {
    e = g.node('Cast', [g.node('Cast', [e], 'pt/embedding_f16', { to: attr.int(OnnxType.FLOAT16) })], 'pt/embedding_cached', { to: attr.int(OnnxType.FLOAT) });
  }
  if (m.columns.start !== 0 || m.columns.size !== m.embeddingSize) {
    const { start, size } = m.columns;
    e = g.node('Slice', [e, g.int64Init('pt/cols_start', [start]), g.int64Init('pt/cols_end', [start + size]), g.int64Init('pt/cols_axes', [1])], 'pt/columns');
  }
  let width = m.columns.size;
  m.layers.forEach((layer, i) => {
    if (layer.inputs !== width) throw new Error(`head layer ${i + 1} takes ${layer.inputs} values, but gets ${width}`);
    const w = g.floatInit(`pt/head${i}_kernel`, [layer.inputs, layer.units], layer.kernel);
    const b = g.floatInit(`pt/head${i}_bias`, [layer.units], layer.bias);
    e = g.node('Add', [g.node('MatMul', [e, w], `pt/head${i}_matmul`), b], `pt/head${i}_linear`);
    if (layer.activation === 'relu') e = g.node('Relu', [e], `pt/head${i}_relu`);
    if (layer.activation === 'sigmoid') e = g.node('Sigmoid', [e], `pt/head${i}_sigmoid`);
    width = layer.units;
  });
  if (m.mirror) {
    const views = g.node('Reshape', [e, g.int64Init('pt/views_shape', [2, -1, width])], 'pt/views');
    g.node('ReduceMean', [views], STANDALONE_OUTPUT, { axes: attr.ints([0]), keepdims: attr.int(0) });
  } else g.node('Identity', [e], STANDALONE_OUTPUT);
  g.output(STANDALONE_OUTPUT, ['batch', width]);

  for (const [key, value] of Object.entries(m.metadata)) g.metadata(key, value);
  return g.toBytes();
}
