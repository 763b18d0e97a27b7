import { spawnSync } from 'node:child_process';

/** A Python that imports `onnx` (Debian's python3-onnx lives in /usr/bin's Python, which a pyenv on PATH hides). */
const python = ['python3', '/usr/bin/python3'].find((exe) => spawnSync(exe, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0);

/** Why the onnx checker cannot run here, or undefined when it can. */
export const skipWithoutPythonOnnx = python ? undefined : 'no python3 with the onnx package (apt-get install python3-onnx)';

/**
 * Runs onnx.checker.check_model (full check, with shape inference) on a file; returns its error text or ''.
 * Given a path, the full check writes the inferred shapes back into the file: check copies, never shipped models.
 */
export function onnxCheckerError(file: string): string {
  const script = 'import sys, onnx\nonnx.checker.check_model(sys.argv[1], full_check=True)\n';
  if (!python) throw new Error(skipWithoutPythonOnnx);
  const r = spawnSync(python, ['-c', script, file], { encoding: 'utf8' });
  return r.status === 0 ? '' : (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join('\n');
}

/** onnxruntime-web's wasm build in Node: a second ONNX runtime, independent of onnxruntime-node's native one. */
export async function openWebRuntime(file: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS node build of onnxruntime-web
  const ort = require('onnxruntime-web') as typeof import('onnxruntime-web');
  ort.env.wasm.numThreads = 1; // the machine's cores are shared; one thread is also the most deterministic
  const session = await ort.InferenceSession.create(file, { executionProviders: ['wasm'] });
  return {
    session,
    async run(pixels: Uint8Array, count: number, size: number): Promise<Float32Array> {
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('uint8', pixels, [count, size, size, 3]) });
      return out[session.outputNames[0]].data as Float32Array;
    },
    release: () => session.release(),
  };
}
