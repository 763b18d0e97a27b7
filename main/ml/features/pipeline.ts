import fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { hashBuffer } from '../../core/content-hash';
import type { Db } from '../../db/database';
import { CancelledError } from '../../core/errors';
import type { JobContext } from '../../jobs/types';
import type { BackboneSpec, BackboneVariant, EngineName } from '../backbones/types';
import type { BackboneWorker } from './backbone-worker';
import { decodeViews, ImageDecodeError } from './decode';
import { acquireWorker, hasIdleWorker, releaseWorker } from './worker-pool';
import { EmbeddingStore, type EmbeddingFailure, type StoredEmbedding, type View } from './embedding-store';

export interface EmbedItem {
  path: string;
  /** Content hash (sha256 hex, main/core/content-hash.ts) when already known; lets cached files skip reading. */
  hash?: string;
}

export interface EmbedOptions {
  /** Which views to make; default original only. */
  views?: View[];
  /** Images per inference call (a flipped view counts as an image). Default: defaultBatchSize(spec). */
  batchSize?: number;
  /** Default float32; the cache keeps each variant's vectors apart. */
  variant?: BackboneVariant;
  /** The data folder's backbones dir (BackboneCatalog.userDir): where downloaded and imported backbones are. */
  backbonesDir?: string;
  /** Default 'auto': ONNX Runtime when the converted model is usable, else TF.js (main/ml/backbones/open.ts). */
  engine?: EngineName | 'auto';
  /** ONNX Runtime intra-op threads (default: the engine's choice). */
  threads?: number;
  /** Files read and decoded at the same time (sharp runs on libuv's pool). Default 3. */
  decodeConcurrency?: number;
  /** Module exporting `openBackbone` to use instead of main/ml/backbones/open (tests, benchmarks). */
  backboneModule?: string;
  /** How long the loaded backbone's worker stays for a following run with the same settings. Default 30 s; 0 closes it at the end. */
  keepWorkerMs?: number;
}

export interface EmbedSummary {
  /** Files whose missing views were computed and stored in this run. */
  embedded: number;
  /** Files that had every requested view cached already (or whose content appeared earlier in the list). */
  cached: number;
  failed: { path: string; reason: string }[];
  seconds: number;
  /** Of `seconds`, the time spent starting the worker and loading the backbone (0 when nothing needed embedding). */
  loadSeconds: number;
  /** The loaded worker of an earlier run was reused (no thread start, no model load). */
  reusedWorker: boolean;
}

interface Sample {
  hash: string;
  view: View;
  pixels: Buffer;
}

interface Batch {
  samples: Sample[];
  /** Files fully represented in `samples`. */
  done: { path: string }[];
  failures: EmbeddingFailure[];
}

/**
 * Embeds image files with a backbone and caches the vectors by content hash, skipping what is cached.
 * Reading, hashing and decoding (sharp, on libuv's pool) of the next batch overlap inference of the
 * current one, which runs in a worker thread; at most two batches are held at a time, so memory stays
 * flat whatever the number of files. Each batch is stored in one transaction. Unreadable or undecodable
 * files are recorded in `embedding_failures` and skipped. Cancelling (ctx.signal) throws CancelledError at
 * once; the worker exits after the batch it is inside, whose result is dropped. Batches stored before
 * the cancel stay valid and are reused by the next run.
 */
// eslint-disable-next-line max-lines-per-function -- the embedding pipeline keeps decode, worker and cache writes in one flow so cancellation and progress stay in one place
export async function embedImages(db: Db, items: readonly EmbedItem[], backboneId: string, ctx: JobContext, opts: EmbedOptions = {}): Promise<EmbedSummary> {
  const started = performance.now();
  const views = [...new Set<View>(opts.views ?? ['original'])];
  if (views.length === 0) throw new Error('embedImages: no views requested');
  let batchSize = Math.max(1, opts.batchSize ?? 16); // the default is refined once the backbone's input size is known
  const concurrency = Math.max(1, opts.decodeConcurrency ?? 3);
  const store = new EmbeddingStore(db, backboneId, opts.variant);
  const total = items.length;

  let embedded = 0;
  let cached = 0;
  const failed: { path: string; reason: string }[] = [];
  const inFlight = new Set<string>(); // hashes being embedded in this run
  const failedContent = new Map<string, string>(); // hash → reason, for repeated content
  let phase = 'Checking the embedding cache';
  let stopped = false;
  const report = (message?: string) => ctx.progress({ phase, done: embedded + cached, failed: failed.length, total, message });

  // The worker starts at the first file that needs embedding: an all-cached run never loads a model.
  const workerData = {
    backboneId,
    engine: opts.engine,
    threads: opts.threads,
    backboneModule: opts.backboneModule,
    ...(opts.variant ? { variant: opts.variant } : {}),
    ...(opts.backbonesDir ? { backbonesDir: opts.backbonesDir } : {}),
  };
  let worker: BackboneWorker | undefined;
  let starting: Promise<BackboneWorker> | undefined;
  let loadSeconds = 0;
  let reusedWorker = false;
  const getWorker = (): Promise<BackboneWorker> => {
    if (!starting) {
      const t0 = performance.now();
      phase = `Loading ${backboneId}`;
      report();
      reusedWorker = hasIdleWorker(workerData);
      starting = acquireWorker(workerData, ctx.signal).then((w) => {
        worker = w;
        loadSeconds = (performance.now() - t0) / 1000;
        if (opts.batchSize === undefined) batchSize = defaultBatchSize(w.spec);
        if (stopped) void w.close();
        phase = 'Embedding posters';
        report();
        return w;
      });
    }
    return starting;
  };
  // Answers at once; the worker finishes the batch it is inside (cannot be interrupted safely), drops it and exits.
  const onAbort = () => void worker?.cancel();
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  const fail = (batch: Batch, path: string, reason: string, hash?: string) => {
    batch.failures.push({ path, hash, reason });
    failed.push({ path, reason });
    if (hash) failedContent.set(hash, reason);
    report();
  };

  async function prepareItem(item: EmbedItem, batch: Batch): Promise<void> {
    let bytes: Buffer | undefined;
    let hash = item.hash;
    if (!hash) {
      try {
        bytes = await fs.readFile(item.path);
      } catch (err) {
        return fail(batch, item.path, readError(err));
      }
      hash = hashBuffer(bytes);
    }
    const earlier = failedContent.get(hash);
    if (earlier) return fail(batch, item.path, earlier, hash);
    const missing = inFlight.has(hash) ? [] : store.missingViews(hash, views);
    if (missing.length === 0) {
      cached++;
      report();
      return;
    }
    inFlight.add(hash);
    const w = await getWorker(); // a backbone that cannot load fails the whole run, not this file
    try {
      if (!bytes) {
        bytes = await fs.readFile(item.path);
        // The caller's hash came from an earlier read: storing under it would cache another content.
        if (hashBuffer(bytes) !== hash) throw new ImageDecodeError('File changed since it was indexed; index the folder again');
      }
      const pixels = await decodeViews(bytes, w.spec.inputSize, missing);
      for (const view of missing) batch.samples.push({ hash, view, pixels: pixels.get(view)! });
      batch.done.push({ path: item.path });
    } catch (err) {
      inFlight.delete(hash);
      if (err instanceof ImageDecodeError) fail(batch, item.path, err.reason, hash);
      else fail(batch, item.path, readError(err), hash);
    }
  }

  let cursor = 0;
  /** Pulls files until the batch holds about batchSize images; null when the list is exhausted. */
  async function prepareBatch(): Promise<Batch | null> {
    if (cursor >= items.length) return null;
    const batch: Batch = { samples: [], done: [], failures: [] };
    const lane = async () => {
      while (!stopped && cursor < items.length && batch.samples.length < batchSize) {
        const item = items[cursor++]; // taken before awaiting, so lanes never share or overrun an index
        await ctx.checkpoint();
        await prepareItem(item, batch);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return batch;
  }

  report();
  let failure: unknown;
  try {
    let next = prepareBatch();
    for (;;) {
      const batch = await next;
      if (!batch) break;
      next = prepareBatch(); // decode the next batch while this one is embedded
      next.catch(() => undefined); // its error is seen when awaited; never unhandled if we stop early
      const rows: StoredEmbedding[] = [];
      if (batch.samples.length > 0) {
        const w = await getWorker();
        const dim = w.spec.embeddingSize;
        const vectors = await w.embed(concatPixels(batch.samples), batch.samples.length);
        batch.samples.forEach((s, i) => rows.push({ hash: s.hash, view: s.view, vector: vectors.subarray(i * dim, (i + 1) * dim) }));
      }
      store.write(rows, batch.done, batch.failures);
      embedded += batch.done.length;
      report();
    }
  } catch (err) {
    failure = err;
    if (ctx.signal.aborted) throw err instanceof CancelledError ? err : new CancelledError();
    throw err;
  } finally {
    stopped = true;
    ctx.signal.removeEventListener('abort', onAbort);
    // A cancelled run does not wait for the worker to wind down; a finished one hands it back for reuse.
    if (ctx.signal.aborted) void worker?.cancel();
    else {
      const w = worker ?? (await starting?.catch(() => undefined));
      if (w) await releaseWorker(workerData, w, failure ? 0 : (opts.keepWorkerMs ?? 30_000));
    }
  }
  const seconds = (performance.now() - started) / 1000;
  phase = 'Done';
  report();
  return { embedded, cached, failed, seconds, loadSeconds, reusedWorker };
}

/**
 * Images per inference call: the backbone's activation memory grows with batch × input area, and on
 * 2 cores batches past ~16 images of 224² are no faster. 16 at 224² (mobilenet_v2, ~0.5 GB peak RSS),
 * 8 at 299² (inception_v3, ~0.7 GB; 32 there peaks at 1.4 GB).
 */
export function defaultBatchSize(spec: Pick<BackboneSpec, 'inputSize'>): number {
  const fit = Math.floor(850_000 / (spec.inputSize * spec.inputSize));
  return Math.max(1, Math.min(32, 2 ** Math.floor(Math.log2(Math.max(1, fit)))));
}

function concatPixels(samples: Sample[]): Uint8Array {
  const each = samples[0].pixels.length;
  const out = new Uint8Array(each * samples.length);
  samples.forEach((s, i) => out.set(s.pixels, i * each));
  return out;
}

function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'File not found';
  if (code === 'EACCES' || code === 'EPERM') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a folder, not a file';
  return `Cannot read file (${err instanceof Error ? err.message : String(err)})`;
}
