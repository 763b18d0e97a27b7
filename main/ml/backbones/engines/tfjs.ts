import fs from 'node:fs';
import path from 'node:path';
import { loadTf } from '../../tf';
import type { BackboneEntry } from '../registry';
import { specOf } from '../registry';
import { readGraphModelFiles } from '../tfjs-graph-files';
import { planTflite } from '../tflite/plan';
import { readTflite } from '../tflite/reader';
import { TfliteTfExecutor, poolTaps } from '../tflite/tf-executor';
import { checkPixels, preprocess } from '../preprocess';
import type { Backbone } from '../types';

type Tf = Awaited<ReturnType<typeof loadTf>>['tf'];
type Tensor4D = ReturnType<Tf['tensor4d']>;
type Tensor = ReturnType<Tf['tensor']>;

/**
 * A backbone on TF.js, straight from its original files in `dir`: a TF.js graph model run from the
 * input node to the embedding node, or a TFLite model run op by op with TF.js ops. This is the
 * reference path the ONNX conversion is checked against, and the fallback engine.
 */
export async function openTfjsBackbone(entry: BackboneEntry, dir: string): Promise<Backbone> {
  const { tf } = await loadTf();
  const spec = specOf(entry);
  let run: (x: Tensor4D) => Tensor;
  let release: () => void;

  if (entry.format === 'tflite') {
    const model = readTflite(fs.readFileSync(path.join(dir, entry.modelFile)));
    const taps = entry.taps?.map((t) => {
      const index = model.tensors.findIndex((x) => x.name === t.node);
      if (index < 0) throw new Error(`${entry.id}: the model has no tensor "${t.node}"`);
      return { index, std: t.std };
    });
    const executor = new TfliteTfExecutor(tf, planTflite(model, entry.taps?.at(-1)?.node ?? entry.embeddingNode), taps);
    run = (x) => executor.run(x);
    release = () => executor.dispose();
  } else {
    const files = readGraphModelFiles(dir, entry.modelFile);
    const model = await tf.loadGraphModel({
      load: async () => ({
        modelTopology: files.json.modelTopology,
        weightSpecs: files.weightSpecs as Parameters<typeof tf.io.fromMemory>[1],
        weightData: files.weightData,
      }),
    });
    run = (x) =>
      tf.tidy(() => {
        if (entry.taps) {
          const ys = model.execute(
            { [entry.inputNode]: x },
            entry.taps.map((t) => t.node),
          ) as Tensor[];
          return poolTaps(
            tf,
            ys.map((y, i) => ({ x: y, std: !!entry.taps![i].std })),
          );
        }
        const y = model.execute({ [entry.inputNode]: x }, entry.embeddingNode) as Tensor;
        // Global average pool a spatial output → [N, C]; downloaded feature vectors are [N, C] already.
        return y.rank === 4 ? tf.mean(y, [1, 2]) : y;
      });
    release = () => model.dispose();
  }

  const size = spec.inputSize;
  let disposed = false;
  return {
    spec,
    engine: 'tfjs',
    async embed(pixels, count) {
      if (disposed) throw new Error('embed: backbone was disposed');
      checkPixels(spec, pixels, count);
      if (count === 0) return new Float32Array(0);
      const x = tf.tensor4d(preprocess(pixels, spec.preprocessing), [count, size, size, 3]);
      try {
        const y = run(x);
        try {
          const data = (await y.data()) as Float32Array;
          if (data.length !== count * spec.embeddingSize) {
            throw new Error(`${spec.id}: TF.js gave ${data.length / count} values per image, expected ${spec.embeddingSize}`);
          }
          return new Float32Array(data);
        } finally {
          y.dispose();
        }
      } finally {
        x.dispose();
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      release();
    },
  };
}
