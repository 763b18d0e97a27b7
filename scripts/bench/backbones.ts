// `npm run bench -- backbones [batch] [threads] [rounds]`: ms/image of each installed backbone on each engine
// and variant (ONNX Runtime float32 and int8, TF.js), the same pixels, one after the other.
import os from 'node:os';
import { openBackbone } from '../../main/ml/backbones/open';
import { availableBackbones } from '../../main/ml/backbones/registry';
import type { BackboneVariant } from '../../main/ml/backbones/types';

export async function main(argv: string[]): Promise<void> {
  const batch = Number(argv[0] ?? 8);
  const threads = Number(argv[1] ?? Math.min(2, os.availableParallelism()));
  const rounds = Number(argv[2] ?? 3);
  console.log(`batch ${batch}, ${threads} ONNX Runtime thread(s), ${rounds} timed round(s) after one warm-up; ${os.cpus()[0]?.model ?? ''}`);
  for (const a of availableBackbones()) {
    if (!a.installed) {
      console.log(`${a.id}: not installed (${a.problem})`);
      continue;
    }
    const size = a.spec.inputSize;
    const px = new Uint8Array(batch * size * size * 3);
    for (let i = 0; i < px.length; i++) px[i] = (i * 2654435761) >>> 24;
    const runs: { engine: 'onnxruntime' | 'tfjs'; variant: BackboneVariant }[] = [
      { engine: 'onnxruntime', variant: 'float32' },
      ...(a.int8 ? [{ engine: 'onnxruntime' as const, variant: 'int8' as const }] : []),
      { engine: 'tfjs', variant: 'float32' },
    ];
    let floatMs = 0;
    for (const { engine, variant } of runs) {
      const loadStart = performance.now();
      const b = await openBackbone(a.id, { engine, threads, variant });
      const loadMs = performance.now() - loadStart;
      try {
        await b.embed(px, batch); // warm-up: allocations, kernel selection
        const t0 = performance.now();
        for (let r = 0; r < rounds; r++) await b.embed(px, batch);
        const perImage = (performance.now() - t0) / (rounds * batch);
        if (engine === 'onnxruntime' && variant === 'float32') floatMs = perImage;
        const vs = floatMs && !(engine === 'onnxruntime' && variant === 'float32') ? `  ${(floatMs / perImage).toFixed(2)}× float32 ORT` : '';
        console.log(
          `${a.id.padEnd(13)} ${`${engine} ${variant}`.padEnd(20)} ${perImage.toFixed(1).padStart(7)} ms/image   (load ${loadMs.toFixed(0)} ms)${vs}`,
        );
      } finally {
        await b.dispose();
      }
    }
  }
}
