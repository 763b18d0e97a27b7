import path from 'node:path';
import fs from 'node:fs';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread from its TypeScript source (`main/<source>`) when running from source under
 * tsx, or from its bundle `dist/worker-<name>.js` in a build (scripts/build.mjs makes one per worker).
 */
export function spawnWorker(name: string, source: string, options: WorkerOptions = {}): Worker {
  const bundled = path.join(__dirname, `worker-${name}.js`);
  if (__filename.endsWith('.js') && fs.existsSync(bundled)) return new Worker(bundled, options);
  const file = path.resolve(__dirname, '..', source);
  // tsx's require hook: on Node 20 a worker started with `--import tsx` fails on a .ts entry
  // ("Unknown file extension"), as module hooks are not applied there; our sources are CommonJS anyway.
  return new Worker(file, { ...options, execArgv: [...(options.execArgv ?? []), '--require', 'tsx/cjs'] });
}
