import { spawnWorker } from '../core/spawn-worker';
import { CancelledError } from '../core/errors';
import type { JobContext } from '../jobs/types';
import type { EpochMetrics, TrainProgress } from '../ml/train';
import type { FromHeadWorker, HeadJob, HeadOutcome } from './head-worker-protocol';

/**
 * Trains a head in a worker thread: epochs and progress arrive as callbacks, the job's cancel and pause
 * reach the worker between batches. Resolves once the model is saved in `job.modelDir`.
 */
export function trainInWorker(job: HeadJob, ctx: JobContext, on: { epoch(e: EpochMetrics): void; progress(p: TrainProgress): void }): Promise<HeadOutcome> {
  const worker = spawnWorker('head', 'training/head-worker.ts', { workerData: job });
  return new Promise<HeadOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      clearInterval(pausePoll);
      fn();
      void worker.terminate(); // TF.js wasm runs in JS: terminating after the last message is safe
    };
    const onAbort = () => worker.postMessage({ type: 'cancel' });
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // Mirror the job's pause state into the worker, which checks it between batches.
    let paused = false;
    const pausePoll = setInterval(() => {
      const now = ctx.isPaused?.() ?? false;
      if (now !== paused) {
        paused = now;
        worker.postMessage({ type: paused ? 'pause' : 'resume' });
      }
    }, 200);
    worker.on('message', (m: FromHeadWorker) => {
      if (m.type === 'epoch') on.epoch(m.epoch);
      else if (m.type === 'progress') on.progress(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.outcome));
      else finish(() => reject(m.cancelled ? new CancelledError() : new Error(m.message)));
    });
    worker.on('error', (err) => finish(() => reject(new Error(`Training stopped unexpectedly: ${err.message}`))));
    worker.on('exit', (code) =>
      finish(() => reject(ctx.signal.aborted ? new CancelledError() : new Error(`Training stopped unexpectedly (exit code ${code})`))),
    );
  });
}
