// `npm run bench -- backbones [batch] [threads] [rounds]`: ms/image of each installed backbone on each engine.
import os from 'node:os';
import { openBackbone } from '../../main/ml/backbones/open';
import { availableBackbones } from '../../main/ml/backbones/registry';

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
    for (const engine of ['onnxruntime', 'tfjs'] as const) {
      const loadStart = performance.now();
      const b = await openBackbone(a.id, { engine, threads });
      const loadMs = performance.now() - loadStart;
      try {
        await b.embed(px, batch); // warm-up: allocations, kernel selection
        const t0 = performance.now();
        for (let r = 0; r < rounds; r++) await b.embed(px, batch);
        const perImage = (performance.now() - t0) / (rounds * batch);
        console.log(`${a.id.padEnd(13)} ${engine.padEnd(12)} ${perImage.toFixed(1).padStart(7)} ms/image   (load ${loadMs.toFixed(0)} ms)`);
      } finally {
        await b.dispose();
      }
    }
  }
}
