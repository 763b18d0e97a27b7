import { BackboneWorker, waitForEmbeddingThreads, type EmbedWorkerData } from './backbone-worker';

/**
 * Keeps a backbone worker alive for a short while after a run, so runs in quick succession (the
 * tagging job embeds chunk by chunk) skip the thread start and model load. An idle worker does not
 * keep the process alive and is closed when its time is up.
 */
const idle = new Map<string, { worker: BackboneWorker; timer: NodeJS.Timeout }>();

function keyOf(data: EmbedWorkerData): string {
  return JSON.stringify([
    data.backboneId,
    data.variant ?? 'float32',
    data.engine ?? 'auto',
    data.threads ?? null,
    data.backboneModule ?? null,
    data.backbonesDir ?? null,
  ]);
}

/** Whether acquireWorker would hand back a loaded worker (no thread start, no model load). */
export function hasIdleWorker(data: EmbedWorkerData): boolean {
  return idle.get(keyOf(data))?.worker.usable ?? false;
}

/** An idle worker for this backbone and settings, or a new one. */
export function acquireWorker(data: EmbedWorkerData, signal?: AbortSignal): Promise<BackboneWorker> {
  const key = keyOf(data);
  const hit = idle.get(key);
  if (hit) {
    idle.delete(key);
    clearTimeout(hit.timer);
    if (hit.worker.usable) {
      hit.worker.setKeepsProcessAlive(true);
      return Promise.resolve(hit.worker);
    }
  }
  return BackboneWorker.start(data, signal);
}

/** Hands a worker back after a run that ended normally: kept `keepMs`, then closed. 0 closes it now. */
export async function releaseWorker(data: EmbedWorkerData, worker: BackboneWorker, keepMs: number): Promise<void> {
  const key = keyOf(data);
  if (keepMs <= 0 || !worker.usable || idle.has(key)) return worker.close();
  worker.setKeepsProcessAlive(false);
  const timer = setTimeout(() => {
    if (idle.get(key)?.worker === worker) idle.delete(key);
    void worker.close();
  }, keepMs);
  timer.unref();
  idle.set(key, { worker, timer });
}

/** Closes every idle worker (app shutdown, tests). */
export async function closeIdleWorkers(): Promise<void> {
  const all = [...idle.values()];
  idle.clear();
  await Promise.all(all.map(({ worker, timer }) => (clearTimeout(timer), worker.close())));
}

/** Shutdown: closes idle workers and waits for every embedding thread (cancelled ones finish their batch). */
export async function shutdownEmbeddingWorkers(timeoutMs?: number): Promise<void> {
  await closeIdleWorkers();
  await waitForEmbeddingThreads(timeoutMs);
}

let holders = 0;

/**
 * A back end's share of the pool: the pool is per process (threads are), so two back ends in one
 * process (tests, a CLI command inside the app) share it, and it shuts down when the last one lets go.
 */
export function retainEmbeddingWorkers(): () => Promise<void> {
  holders++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--holders === 0) await shutdownEmbeddingWorkers();
  };
}
