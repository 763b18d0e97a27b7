import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../core/spawn-worker';
import { CancelledError } from '../../core/errors';
import type { BackboneSpec, BackboneVariant, EngineName } from '../backbones/types';

/** Given to the worker at start. */
export interface EmbedWorkerData {
  backboneId: string;
  engine?: EngineName | 'auto';
  threads?: number;
  /** Default float32. */
  variant?: BackboneVariant;
  /** The data folder's backbones dir, so a downloaded or imported backbone opens in the worker too. */
  backbonesDir?: string;
  /** Absolute path of a module exporting `openBackbone(id, {engine})` in place of main/ml/backbones/open (tests). */
  backboneModule?: string;
}

export type ToEmbedWorker = { type: 'embed'; id: number; pixels: Uint8Array; count: number } | { type: 'close' };

export type FromEmbedWorker =
  | { type: 'ready'; spec: BackboneSpec; engine: EngineName }
  | { type: 'result'; id: number; vectors: Float32Array }
  | { type: 'error'; id?: number; message: string }
  | { type: 'closed' };

interface Pending {
  resolve(v: Float32Array): void;
  reject(e: Error): void;
}

/**
 * A worker thread holding one loaded backbone, so inference (which blocks its thread for the whole
 * batch) never stalls the caller's event loop, and sharp can decode the next batch meanwhile.
 * Never terminated while a native call may be running in it: ending a thread under ONNX Runtime's
 * session.run (or session creation) aborts the whole process. Cancel rejects the caller's promises at
 * once and lets the thread finish its current batch, then close.
 */
/** Every embedding thread alive in this process, so shutdown can wait for them (see waitForEmbeddingThreads). */
const threads = new Set<Worker>();

/**
 * Waits until every embedding thread has exited (each one finishes its native call first), at most
 * `timeoutMs`. Exiting the process while ONNX Runtime runs in a thread aborts it, so the CLI and the app
 * call this before they exit.
 */
export async function waitForEmbeddingThreads(timeoutMs = 15_000): Promise<void> {
  if (threads.size === 0) return;
  const exits = [...threads].map((w) => {
    w.ref();
    return new Promise<void>((resolve) => w.once('exit', () => resolve()));
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(exits), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

export class BackboneWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Batches sent and not answered yet, including those whose caller already gave up. */
  private busy = 0;
  private dead: Error | undefined;
  private closing = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    readonly spec: BackboneSpec,
    readonly engine: EngineName,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: FromEmbedWorker) => {
      if (m.type === 'result' || (m.type === 'error' && m.id !== undefined)) {
        this.busy--;
        this.settle(m.id!, m.type === 'result' ? m.vectors : new Error(m.message));
      }
    });
    worker.on('error', (err) => this.fail(new Error(`Embedding worker crashed: ${err.message}`)));
    worker.on('exit', (code) => {
      this.busy = 0;
      this.fail(new Error(`Embedding worker stopped (exit code ${code})`));
    });
  }

  /** Spawns the worker and waits until the backbone is loaded. An abort rejects at once; the thread then closes after loading. */
  static start(data: EmbedWorkerData, signal?: AbortSignal): Promise<BackboneWorker> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const worker = spawnWorker('embed', 'ml/features/embed-worker.ts', { workerData: data });
    threads.add(worker);
    worker.once('exit', () => threads.delete(worker));
    return new Promise<BackboneWorker>((resolve, reject) => {
      let abandoned = false;
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
      };
      const failStart = (err: Error) => {
        cleanup();
        void worker.terminate(); // safe: loading is over (it failed), no native call is running
        reject(err);
      };
      const onMessage = (m: FromEmbedWorker) => {
        if (m.type === 'ready') {
          cleanup();
          const w = new BackboneWorker(worker, m.spec, m.engine);
          if (abandoned) void w.close();
          else resolve(w);
        } else if (m.type === 'error') failStart(new Error(`Cannot load backbone "${data.backboneId}": ${m.message}`));
      };
      const onError = (err: Error) => failStart(new Error(`Cannot load backbone "${data.backboneId}": ${err.message}`));
      const onExit = (code: number) => failStart(new Error(`Embedding worker exited while loading "${data.backboneId}" (code ${code})`));
      // The model may be inside a native load now: answer the caller, keep waiting for the thread.
      const onAbort = () => {
        abandoned = true;
        signal?.removeEventListener('abort', onAbort);
        reject(new CancelledError());
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Embeds `count` images of spec.inputSize² RGB bytes. The pixel buffer is moved to the worker (not copied). */
  embed(pixels: Uint8Array, count: number): Promise<Float32Array> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.busy++;
      const msg: ToEmbedWorker = { type: 'embed', id, pixels, count };
      this.worker.postMessage(msg, [pixels.buffer as ArrayBuffer]);
    });
  }

  /** Whether embed() can still be called (not cancelled, closed, crashed or exited). */
  get usable(): boolean {
    return !this.dead;
  }

  /** An idle worker kept for reuse must not hold the process open. */
  setKeepsProcessAlive(keep: boolean): void {
    if (keep) this.worker.ref();
    else this.worker.unref();
  }

  /** Rejects every pending embed with CancelledError now; the thread finishes its batch, then closes. */
  cancel(): Promise<void> {
    this.fail(new CancelledError());
    return this.close();
  }

  /**
   * Disposes the backbone and ends the thread after the batch it is running. Resolves when the thread
   * has exited. A thread that has nothing running and still has not exited after `idleTimeoutMs` is terminated.
   */
  close(idleTimeoutMs = 2000): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      // Keep the process alive until the thread is gone: a caller awaiting this must not see the process end.
      this.worker.ref();
      this.dead ??= new Error('Embedding worker closed');
      this.worker.postMessage({ type: 'close' } satisfies ToEmbedWorker);
      const timer = setInterval(() => {
        if (this.busy === 0) void this.worker.terminate();
      }, idleTimeoutMs);
      timer.unref();
      void this.exited.then(() => clearInterval(timer));
    }
    return this.exited;
  }

  private settle(id: number, result: Float32Array | Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (result instanceof Error) p.reject(result);
    else p.resolve(result);
  }

  private fail(err: Error): void {
    this.dead ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
