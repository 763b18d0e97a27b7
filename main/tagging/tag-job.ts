import { performance } from 'node:perf_hooks';
import type { Db } from '../db/database';
import type { TagSummary } from '../../contract';
export type { TagSummary };
import type { JobContext, JobProgress } from '../jobs/types';
import { indexLibrary } from '../library/indexer';
import { getLibrary } from '../library/library-repo';
import { embedImages, type EmbedOptions } from '../ml/features/pipeline';
import { embedBothViews, originalOnly } from '../runs/both-views';
import { EmbeddingStore, loadEmbeddings } from '../ml/features/embedding-store';
import { variantOf, type LoadedHead } from '../runs/model-io';
import { findBackbone } from '../ml/backbones/registry';
import { headScores, headTags, type TagOptions } from '../runs/head-tags';
import { storedTags, tagWork, writePredictions, type StoredPrediction } from './predictions-repo';

export interface TagDeps {
  db: Db;
  /** The data folder's thumbnails dir (indexing makes thumbnails). */
  thumbnailsDir: string;
  /** Loads (and caches) a run's head, checking its backbone: `backend.predictor`. */
  predictor: { head(runId: number): Promise<LoadedHead> };
  /** After a library is indexed. */
  onIndexed?(libraryId: number): void;
  /** After each chunk of predictions is stored (callers throttle their events). */
  onStored?(libraryIds: readonly number[], count: number): void;
}

export interface TagRequest {
  runId: number;
  libraryIds: number[];
  /** Re-tag posters that already have a prediction of this run. */
  force?: boolean;
  /**
   * Posters embedded, predicted and stored together (default 1000): bounds memory (~10 MB of embeddings)
   * and the predictions a kill can lose (their embeddings are cached batch by batch, so redoing them is
   * cheap). Each chunk restarts the backbone worker (~0.3 s), so much smaller chunks cost throughput.
   */
  chunkSize?: number;
  /** Passed to embedImages (batch size, engine, threads, …). */
  embed?: Omit<EmbedOptions, 'views'>;
  /** Skip indexing (the caller just did it). */
  skipIndex?: boolean;
  /** The original view only (no mirrored view, no test-time flip): half the backbone passes. */
  fast?: boolean;
  /**
   * Decision mode, tag limit and saved thresholds (default: the model's balanced rule). A function is asked
   * for each chunk right before its tags are computed and stored, so a change of the run's settings while
   * the job runs (stored tags are re-derived at once) is never undone by a chunk predicted before it.
   */
  tagOptions?: TagOptions | (() => TagOptions);
  /**
   * Re-tag after promoting this run (implies force): every poster is predicted again (from cached
   * embeddings where they are), but a row is written only where the run has none or its tags change;
   * the rest keep their rows byte for byte. Changes are counted against what each poster showed before:
   * this run's row, else that of `fromRunId` (the model it replaces).
   */
  retag?: { fromRunId: number | null };
}

/** What a re-tag counts (TagSummary.retag). */
interface RetagCounts {
  fromRunId: number | null;
  changed: number;
  rewritten: number;
}

const MAX_LISTED_FAILURES = 100;

/**
 * Job body of batch tagging. Indexes each library (only new or changed files are read) and, at the same
 * time, predicts every poster whose content has no prediction of the run yet (a changed file has a new
 * hash, so it is tagged again; `force` re-tags all), in chunks: embed the chunk (cached by content,
 * original + flipped view for test-time flip) → predict → store it in one transaction. Indexing runs
 * alongside because inference keeps one core busy and leaves the other mostly free for it. Memory stays
 * flat whatever the number of posters and a killed process loses at most the chunk in flight; the next
 * run resumes where it stopped. Files that cannot be read are counted as failed with their reason and
 * never stop the job.
 */
export async function tagLibraries(deps: TagDeps, req: TagRequest, ctx: JobContext): Promise<TagSummary> {
  const t0 = performance.now();
  const { db } = deps;
  const { runId } = req;
  const force = Boolean(req.force || req.retag);
  const retag: RetagCounts | undefined = req.retag ? { fromRunId: req.retag.fromRunId, changed: 0, rewritten: 0 } : undefined;
  const libraryIds = [...new Set(req.libraryIds)];
  // POSTER_TAGGER_TAG_CHUNK: smaller chunks for tests that kill the process mid-job.
  const chunkSize = Math.max(1, req.chunkSize ?? (Number(process.env.POSTER_TAGGER_TAG_CHUNK) || 1000));
  const indexer = req.skipIndex ? finishedIndexer() : startIndexer(deps, libraryIds, ctx);
  const failures = failureList();
  const attempted = new Set<string>();
  let tagged = 0;
  let head: LoadedHead | undefined;
  try {
    for (;;) {
      await ctx.checkpoint();
      if (indexer.error) throw indexer.error;
      const stillIndexing = indexer.running;
      const work = tagWork(db, runId, libraryIds, force, attempted);
      const failed = failures.count + work.broken.length;
      const total = tagged + failures.count + work.todo.length + work.broken.length;
      ctx.progress({ phase: PHASE, done: tagged, failed, total, message: stillIndexing ? `indexing: ${indexer.now || 'scanning'}` : undefined });
      if (work.todo.length < chunkSize && stillIndexing) {
        // Not a full chunk yet: wait for the indexer's next batch (or its end).
        await indexer.nextBatch();
        continue;
      }
      if (work.todo.length === 0) break;
      head ??= await deps.predictor.head(runId); // only when there is something to tag: a re-run stays instant
      const chunk = work.todo.slice(0, chunkSize);
      for (const c of chunk) attempted.add(c.hash);
      // embedImages counts within the chunk; the job shows one phase over all chunks so rate and ETA hold.
      const inner: JobContext = {
        ...ctx,
        progress: (p) =>
          ctx.progress({
            phase: PHASE,
            done: tagged + Math.max(0, p.done),
            failed: failed + p.failed,
            total,
            message: indexer.running ? `indexing: ${indexer.now}` : p.phase,
          }),
      };
      const stored = await tagChunk(deps, { head, req, libraryIds, chunk, failures, retag }, inner);
      tagged += stored;
    }
  } finally {
    // A cancel stops the indexer at its next file too; never leave it writing after the job ended.
    await indexer.done;
  }
  const summary = summarizeTagging(db, { runId, libraryIds, force, tagged, failures, t0 }, ctx);
  return retag ? { ...summary, retag } : summary;
}

const PHASE = 'Tagging posters';

/** Failures of a job: all are counted, the first MAX_LISTED_FAILURES listed with their reasons. */
function failureList() {
  const listed: TagSummary['failures'] = [];
  let count = 0;
  return {
    listed,
    get count() {
      return count;
    },
    add(f: { path: string; reason: string }) {
      count++;
      if (listed.length < MAX_LISTED_FAILURES) listed.push(f);
    },
  };
}
type FailureList = ReturnType<typeof failureList>;

interface Indexer {
  readonly running: boolean;
  readonly error: unknown;
  /** What it reads now, for the job's message. */
  readonly now: string;
  /** Resolves at its next committed batch or its end. */
  nextBatch(): Promise<void>;
  /** Settles (never rejects) when it has stopped. */
  done: Promise<void>;
}

function finishedIndexer(): Indexer {
  return { running: false, error: null, now: '', nextBatch: () => Promise.resolve(), done: Promise.resolve() };
}

/** Indexes the libraries in the background; each committed batch wakes the tagging loop up. */
function startIndexer(deps: TagDeps, libraryIds: readonly number[], ctx: JobContext): Indexer {
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const state = {
    running: true,
    error: null as unknown,
    now: '',
    nextBatch: () => new Promise<void>((resolve) => (wake = resolve)),
    done: Promise.resolve(),
  };
  // The indexer's own progress is not shown: the job shows tagging, with indexing as its message.
  const quiet: JobContext = { ...ctx, progress: (p: JobProgress) => (state.now = p.phase === 'Done' ? '' : p.phase.toLowerCase()) };
  state.done = (async () => {
    for (const id of libraryIds) {
      const lib = getLibrary(deps.db, id);
      state.now = `reading ${lib.name}`;
      await indexLibrary(deps.db, id, quiet, { thumbnailsDir: deps.thumbnailsDir, onBatch: notify });
      deps.onIndexed?.(id);
    }
  })().then(
    () => {
      state.running = false;
      notify();
    },
    (err: unknown) => {
      state.error = err;
      state.running = false;
      notify();
    },
  );
  return state;
}

/** Embeds one chunk (the views its model uses), predicts and stores it; returns how many were stored. */
async function tagChunk(
  deps: TagDeps,
  w: {
    head: LoadedHead;
    req: TagRequest;
    libraryIds: readonly number[];
    chunk: { hash: string; path: string }[];
    failures: FailureList;
    retag?: RetagCounts;
  },
  ctx: JobContext,
): Promise<number> {
  const { db } = deps;
  const { head, req, libraryIds, failures, retag } = w;
  let { chunk } = w;
  const fast = originalOnly(head, req.fast);
  let early = 0;
  if (retag && !fast) {
    // Tagged with Fast before: only the original view is cached. Predict those from it, as Fast does,
    // rather than run the backbone again for the mirror image.
    const cachedOriginal = cachedOriginalOnly(db, head, chunk);
    if (cachedOriginal.size) {
      const opts = { strict: true, signal: ctx.signal, tagOptions: req.tagOptions, fast: true, retag };
      early = (
        await predictAndStore(
          db,
          head,
          req.runId,
          chunk.filter((c) => cachedOriginal.has(c.hash)),
          opts,
        )
      ).stored;
      if (early) deps.onStored?.(libraryIds, early);
      chunk = chunk.filter((c) => !cachedOriginal.has(c.hash));
      if (chunk.length === 0) return early;
    }
  }
  let embedded;
  try {
    // ONNX Runtime's own thread count (one per core) unless the backbone is light (BackboneEntry.lightInference).
    const threads = findBackbone(head.metadata.backbone.id)?.lightInference ? 1 : undefined;
    const embedOpts = { threads, ...req.embed, variant: variantOf(head.metadata) };
    embedded = fast
      ? await embedImages(db, chunk, head.metadata.backbone.id, ctx, { ...embedOpts, views: ['original'] })
      : await embedBothViews(db, chunk, head.metadata.backbone.id, ctx, embedOpts);
  } catch (err) {
    // Cancelled (or the backbone failed) mid-chunk: what was embedded is cached; predict and keep it too.
    const salvaged = await predictAndStore(db, head, req.runId, chunk, { strict: false, tagOptions: req.tagOptions, fast, retag }).catch(() => ({
      stored: 0,
    }));
    if (salvaged.stored) deps.onStored?.(libraryIds, salvaged.stored);
    throw err;
  }
  const bad = new Set(embedded.failed.map((f) => f.path));
  for (const f of embedded.failed) failures.add(f);
  const result = await predictAndStore(
    db,
    head,
    req.runId,
    chunk.filter((c) => !bad.has(c.path)),
    { strict: true, signal: ctx.signal, tagOptions: req.tagOptions, fast, retag },
  );
  // Should not happen after a successful embed; never predict from zeros.
  for (const c of result.missing) failures.add({ path: c.path, reason: 'embedding missing from the cache' });
  if (result.stored) deps.onStored?.(libraryIds, result.stored);
  return early + result.stored;
}

/** The chunk's contents whose original view is cached and the mirrored one is not (tagged with Fast). */
function cachedOriginalOnly(db: Db, head: LoadedHead, chunk: readonly { hash: string }[]): Set<string> {
  const store = new EmbeddingStore(db, head.metadata.backbone.id, variantOf(head.metadata));
  const out = new Set<string>();
  for (const c of chunk) {
    const missing = store.missingViews(c.hash, ['original', 'flipped']);
    if (missing.length === 1 && missing[0] === 'flipped') out.add(c.hash);
  }
  return out;
}

/** The job's final counts, read again from the database (posters the indexer could not read count as failed). */
function summarizeTagging(
  db: Db,
  s: { runId: number; libraryIds: number[]; force: boolean; tagged: number; failures: FailureList; t0: number },
  ctx: JobContext,
): TagSummary {
  const end = tagWork(db, s.runId, s.libraryIds, false);
  for (const b of end.broken) s.failures.add(b);
  const failed = s.failures.count;
  ctx.progress({ phase: 'Done', done: s.tagged, failed, total: s.tagged + failed });
  return {
    runId: s.runId,
    libraryIds: s.libraryIds,
    posters: end.todo.length + end.alreadyTagged + end.broken.length,
    tagged: s.tagged,
    alreadyTagged: s.force ? 0 : end.alreadyTagged - s.tagged,
    failed,
    failures: s.failures.listed,
    seconds: (performance.now() - s.t0) / 1000,
  };
}

/**
 * Predicts the items whose embeddings (original and flipped view) are cached and stores them in one
 * transaction. `missing`: items without both views (skipped). With `strict: false` (salvage after a
 * cancel) there is no abort check, so finished work is never thrown away. Not runs/both-views'
 * scoreBothViews: that scores a poster without an original embedding from zeros and drops the flip for
 * the whole batch when one flipped view is missing; tagging leaves such posters out one by one.
 */
async function predictAndStore(
  db: Db,
  head: LoadedHead,
  runId: number,
  items: readonly { hash: string; path: string }[],
  opts: { strict: boolean; signal?: AbortSignal; tagOptions?: TagOptions | (() => TagOptions); fast?: boolean; retag?: RetagCounts },
): Promise<{ stored: number; missing: { hash: string; path: string }[] }> {
  const { ok, original, flipped, missing } = loadCached(db, head, items, !!opts.fast);
  const n = ok.length;
  if (n === 0) return { stored: 0, missing };
  const scores = await headScores(head, original, n, { xFlip: flipped, signal: opts.strict ? opts.signal : undefined });
  // Read right before storing (no await in between): the settings that are current when the rows land.
  const options = typeof opts.tagOptions === 'function' ? opts.tagOptions() : opts.tagOptions;
  const { tags } = headTags(head, scores, n, options);
  const g = head.genres.length;
  const rows: StoredPrediction[] = ok.map((c, i) => ({ hash: c.hash, scores: scores.subarray(i * g, (i + 1) * g), tags: tags[i] }));
  writePredictions(db, runId, head.genres, opts.retag ? onlyChanged(db, runId, rows, opts.retag) : rows);
  return { stored: n, missing };
}

const sameTags = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t) => b.includes(t));

/**
 * Re-tag: the rows to write (the run has none for the poster, or other tags) and the counts. A poster
 * "changed" when its tags differ from what it showed: the run's row, else the replaced model's.
 */
function onlyChanged(db: Db, runId: number, rows: readonly StoredPrediction[], counts: RetagCounts): StoredPrediction[] {
  const hashes = rows.map((r) => r.hash);
  const mine = storedTags(db, runId, hashes);
  const before = counts.fromRunId === null || counts.fromRunId === runId ? new Map<string, string[]>() : storedTags(db, counts.fromRunId, hashes);
  const write: StoredPrediction[] = [];
  for (const r of rows) {
    const own = mine.get(r.hash);
    if (!sameTags(own ?? before.get(r.hash) ?? [], r.tags)) counts.changed++;
    if (own === undefined || !sameTags(own, r.tags)) write.push(r);
  }
  counts.rewritten += write.length;
  return write;
}

/** The cached views of the items that have all it needs (both views, or the original alone when fast). */
function loadCached(
  db: Db,
  head: LoadedHead,
  items: readonly { hash: string; path: string }[],
  fast: boolean,
): { ok: readonly { hash: string; path: string }[]; original: Float32Array; flipped?: Float32Array; missing: { hash: string; path: string }[] } {
  const backbone = head.metadata.backbone.id;
  const variant = variantOf(head.metadata);
  const load = (list: readonly { hash: string }[], view: 'original' | 'flipped') =>
    loadEmbeddings(
      db,
      list.map((c) => c.hash),
      backbone,
      view,
      variant,
    );
  let original = load(items, 'original');
  let flipped = fast ? undefined : load(items, 'flipped');
  const complete = items.map((_, i) => !original.missing[i] && !(flipped?.missing[i] ?? false));
  const missing = items.filter((_, i) => !complete[i]);
  let ok = items;
  if (missing.length) {
    ok = items.filter((_, i) => complete[i]);
    original = load(ok, 'original');
    flipped = fast ? undefined : load(ok, 'flipped');
  }
  return { ok, original: original.vectors, flipped: flipped?.vectors, missing };
}
