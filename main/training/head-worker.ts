// Worker thread entry (scripts/workers.mjs: head): trains one head off the back end's event loop, so IPC,
// the bridge and the gallery stay responsive while TF.js computes.
import { parentPort, workerData } from 'node:worker_threads';
import { CancelledError } from '../core/errors';
import type { JobContext } from '../jobs/types';
import { trainHead } from '../ml/train';
import { predictScores } from '../ml/predict';
import { headInfoFromTraining, saveHead } from '../runs/model-io';
import { subsetEmbeddingSet } from '../ml/dataset';
import type { Preprocessing } from '../ml/backbones/types';
import type { FromHeadWorker, HeadJob, ToHeadWorker } from './head-worker-protocol';

const port = parentPort!;
const job = workerData as HeadJob;
const abort = new AbortController();
let paused = false;
let wake: (() => void) | undefined;

port.on('message', (m: ToHeadWorker) => {
  if (m.type === 'cancel') abort.abort(new CancelledError());
  paused = m.type === 'pause';
  if (m.type !== 'pause') wake?.();
});

const send = (msg: FromHeadWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

const ctx: JobContext = {
  id: 'head',
  signal: abort.signal,
  progress: () => undefined,
  checkpoint: async () => {
    // A macrotask turn, so a 'cancel' or 'pause' message from the back end is handled between batches.
    await new Promise<void>((r) => setImmediate(r));
    while (paused && !abort.signal.aborted) await new Promise<void>((r) => (wake = r));
    if (abort.signal.aborted) throw new CancelledError();
  },
};

async function main() {
  const result = await trainHead({
    train: job.train,
    val: job.val,
    genres: job.genres,
    config: job.config,
    job: ctx,
    onEpoch: (epoch) => send({ type: 'epoch', epoch }),
    onProgress: (progress) => send({ type: 'progress', progress }),
  });
  try {
    await ctx.checkpoint();
    await saveHead(job.modelDir, result.model, headInfoFromTraining(result, { ...job.backbone, preprocessing: job.backbone.preprocessing as Preprocessing }));
    const g = job.genres.length;
    let evalRows: number[] | undefined;
    let evalScores: Float32Array;
    if (result.oofScores) {
      // Cross-validated: every train then val poster, each scored by the fold model that did not see it.
      evalRows = Array.from({ length: job.train.n + (job.val?.n ?? 0) }, (_, i) => i);
      evalScores = result.oofScores;
    } else {
      evalRows = job.evaluate === 'holdout' ? result.holdout?.val : undefined;
      const set = evalRows ? subsetEmbeddingSet(job.train, evalRows, g) : job.val;
      evalScores = set ? await predictScores(result.model, set.x, set.n, { xFlip: set.xFlip }) : new Float32Array();
    }
    const { model: _model, oofScores: _oof, ...rest } = result;
    send({ type: 'done', outcome: { ...rest, evalScores, evalRows } }, [evalScores.buffer as ArrayBuffer]);
  } finally {
    result.model.dispose();
  }
}

main().catch((err: unknown) => {
  const cancelled = abort.signal.aborted || err instanceof CancelledError;
  send({ type: 'error', message: err instanceof Error ? err.message : String(err), cancelled });
});
