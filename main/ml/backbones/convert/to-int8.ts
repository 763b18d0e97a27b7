import { foldConvAffine } from '../../onnx/fold';
import { quantizeQdq } from '../../onnx/qdq';
import type { BackboneEntry } from '../registry';
import { readGraphModelFiles } from '../tfjs-graph-files';
import { readTflite } from '../tflite/reader';
import { calibrationPixels, measureRanges, qdqCandidates, rangesToParams } from './calibrate';
import { tfgraphToOnnxGraph } from './tfgraph-to-onnx';
import { tfliteToOnnx } from './tflite-to-onnx';
import fs from 'node:fs';
import path from 'node:path';

/** Calibration images for static quantisation (float graphs without their own activation grids). */
export const CALIBRATION_IMAGES = 64;

/**
 * The int8 (QDQ) ONNX graph of a backbone, same input and output as its float one. A quantised TFLite
 * model keeps its own activation grids; a float TF.js graph is calibrated on `calibration` images
 * (count × inputSize² × 3 RGB bytes; default: CALIBRATION_IMAGES generated posters).
 */
export async function convertToInt8(entry: BackboneEntry, dir: string, calibration?: { pixels: Uint8Array; count: number }): Promise<Uint8Array> {
  if (entry.format === 'tflite')
    return tfliteToOnnx(readTflite(fs.readFileSync(path.join(dir, entry.modelFile))), entry.embeddingNode, entry.taps, { int8: true });
  const files = readGraphModelFiles(dir, entry.modelFile);
  const build = () => {
    const g = tfgraphToOnnxGraph(files, entry.inputNode, entry.embeddingNode, 3, entry.taps);
    foldConvAffine(g);
    return g;
  };
  const probe = build();
  const values = qdqCandidates(probe);
  const calib = calibration ?? { pixels: calibrationPixels(entry.inputSize, CALIBRATION_IMAGES), count: CALIBRATION_IMAGES };
  const ranges = await measureRanges(probe, values, calib.pixels, calib.count, entry.inputSize, entry.preprocessing);
  const g = build(); // the same names again (the builder is deterministic), without the probe outputs
  quantizeQdq(g, rangesToParams(ranges));
  return g.toBytes();
}
