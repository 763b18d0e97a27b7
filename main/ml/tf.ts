import path from 'node:path';

type Tf = typeof import('@tensorflow/tfjs');

export interface TfRuntime {
  tf: Tf;
  /** 'tensorflow' (tfjs-node, native), 'wasm' or 'cpu'. */
  backend: string;
  /** Why the native backend is not in use, when it is not. */
  fallbackReason?: string;
}

let loading: Promise<TfRuntime> | undefined;

/**
 * TensorFlow.js with the fastest backend that loads: tfjs-node (native) when its binary is present,
 * else the wasm backend (SIMD, no threads in Node), else the pure-JS cpu backend.
 */
export function loadTf(opts: { prefer?: 'native' | 'wasm' | 'cpu' } = {}): Promise<TfRuntime> {
  loading ??= load(opts.prefer ?? (process.env.POSTER_TAGGER_TF_BACKEND as 'native' | 'wasm' | 'cpu' | undefined) ?? 'native');
  return loading;
}

async function load(prefer: 'native' | 'wasm' | 'cpu'): Promise<TfRuntime> {
  let fallbackReason: string | undefined;
  if (prefer === 'native') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
      const tf = require('@tensorflow/tfjs-node') as Tf;
      await tf.ready();
      return { tf, backend: tf.getBackend() };
    } catch (err) {
      fallbackReason = `@tensorflow/tfjs-node did not load (${firstLine(err)})`;
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
  const tf = require('@tensorflow/tfjs') as Tf;
  if (prefer !== 'cpu') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, backend: 'wasm', fallbackReason };
      }
    } catch (err) {
      fallbackReason = `${fallbackReason ? fallbackReason + '; ' : ''}wasm backend failed (${firstLine(err)})`;
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu', fallbackReason };
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0];
}
