import crypto from 'node:crypto';
import type { JobResult, JobSnapshot } from '../../contract';
import { CancelledError, ConflictError, NotFoundError, isCancellation } from '../core/errors';
import type { EventBus } from '../core/event-bus';
import type { JobContext, JobKind, JobProgress } from './types';

export interface JobSpec<T, K extends JobKind = JobKind> {
  kind: K;
  title: string;
  /** Jobs with the same lane run one at a time, in order (e.g. one training at a time). */
  lane?: string;
  /**
   * What the job does, e.g. `tag:run=2:libraries=3,5`: while a job with this key is queued, running or
   * paused, `findActive(key)` returns it, so a second identical request joins it instead of queueing a copy.
   */
  key?: string;
  /** Facts the caller needs back when an identical request finds this job (e.g. its run id). */
  meta?: unknown;
  run(ctx: JobContext): Promise<T>;
  /** Turns the job's result into the summary shown to the user (the contract's result of its kind). */
  summarize?(result: T): JobResult<K>;
}

interface Entry {
  snap: JobSnapshot;
  key?: string;
  meta?: unknown;
  abort: AbortController;
  paused: boolean;
  resumeWaiters: (() => void)[];
  rateWindow: { t: number; done: number }[];
  lastEmit: number;
  promise: Promise<unknown>;
}

/** Any change of a job's snapshot except its id and kind. */
type JobPatch = Partial<Omit<JobSnapshot, 'id' | 'kind' | 'result'>> & { result?: JobResult };

const EMIT_EVERY_MS = 200;

/** Runs long jobs in the background, pushes throttled `job:update` events, and handles cancel/pause. */
export class JobManager {
  private jobs = new Map<string, Entry>();
  private lanes = new Map<string, Promise<unknown>>();

  constructor(private readonly bus: EventBus) {}

  start<T, K extends JobKind>(spec: JobSpec<T, K>): { snapshot: JobSnapshot; done: Promise<T> } {
    const id = crypto.randomUUID();
    const entry: Entry = {
      snap: {
        id,
        kind: spec.kind,
        title: spec.title,
        status: 'queued',
        phase: 'Waiting to start',
        done: 0,
        failed: 0,
        total: 0,
        startedAt: new Date().toISOString(),
      },
      key: spec.key,
      meta: spec.meta,
      abort: new AbortController(),
      paused: false,
      resumeWaiters: [],
      rateWindow: [],
      lastEmit: 0,
      promise: Promise.resolve(),
    };
    this.jobs.set(id, entry);
    const ctx = this.contextFor(entry);
    const previous = spec.lane ? (this.lanes.get(spec.lane) ?? Promise.resolve()) : Promise.resolve();
    const done = previous
      .catch(() => undefined)
      .then(async () => {
        if (entry.abort.signal.aborted) throw new CancelledError();
        this.update(entry, { status: 'running', phase: 'Starting' }, true);
        return spec.run(ctx);
      })
      .then(
        (result) => {
          this.update(
            entry,
            {
              status: 'done',
              finishedAt: new Date().toISOString(),
              result: spec.summarize ? spec.summarize(result) : undefined,
              rate: undefined,
              etaSeconds: undefined,
            },
            true,
          );
          return result;
        },
        (err: unknown) => {
          const cancelled = isCancellation(err, entry.abort.signal);
          this.update(
            entry,
            cancelled
              ? { status: 'cancelled', phase: 'Cancelled', finishedAt: new Date().toISOString(), rate: undefined, etaSeconds: undefined }
              : {
                  status: 'failed',
                  phase: 'Failed',
                  error: err instanceof Error ? err.message : String(err),
                  finishedAt: new Date().toISOString(),
                  rate: undefined,
                  etaSeconds: undefined,
                },
            true,
          );
          throw err;
        },
      );
    done.catch(() => undefined); // failures are reported through the snapshot
    entry.promise = done;
    if (spec.lane) this.lanes.set(spec.lane, done);
    this.emit(entry);
    return { snapshot: { ...entry.snap }, done };
  }

  list(): JobSnapshot[] {
    return [...this.jobs.values()].map((e) => ({ ...e.snap })).reverse();
  }

  get(id: string): JobSnapshot {
    return { ...this.entry(id).snap };
  }

  /** Resolves with the job's final snapshot (done, failed or cancelled), whenever it ends, even if it already has. */
  finished(id: string): Promise<JobSnapshot> {
    const e = this.entry(id);
    return e.promise.then(
      () => ({ ...e.snap }),
      () => ({ ...e.snap }),
    );
  }

  /** Is a job of this lane queued or running? */
  busy(lane: string): boolean {
    return [...this.jobs.values()].some((e) => ['queued', 'running', 'paused'].includes(e.snap.status) && this.lanes.get(lane) === e.promise);
  }

  /**
   * The queued, running or paused job started with this key (see JobSpec.key), with its meta; undefined
   * when there is none. Callers check it right before `start`, in the same tick, so two requests that
   * arrive together (a double click) cannot both miss it.
   */
  findActive<M = unknown>(key: string): { snapshot: JobSnapshot; meta: M } | undefined {
    for (const e of this.jobs.values()) {
      if (e.key === key && !isFinished(e.snap.status)) return { snapshot: { ...e.snap }, meta: e.meta as M };
    }
    return undefined;
  }

  cancel(id: string): JobSnapshot {
    const e = this.entry(id);
    if (isFinished(e.snap.status)) return { ...e.snap };
    e.abort.abort(new CancelledError());
    e.paused = false;
    e.resumeWaiters.splice(0).forEach((w) => w());
    this.update(e, { phase: 'Cancelling…' }, true);
    return { ...e.snap };
  }

  pause(id: string): JobSnapshot {
    const e = this.entry(id);
    if (e.snap.status !== 'running') throw new ConflictError(`Only a running job can be paused (this one is ${e.snap.status}).`);
    e.paused = true;
    this.update(e, { status: 'paused', phase: 'Paused', rate: undefined, etaSeconds: undefined }, true);
    return { ...e.snap };
  }

  resume(id: string): JobSnapshot {
    const e = this.entry(id);
    if (e.snap.status !== 'paused') throw new ConflictError(`Only a paused job can be resumed (this one is ${e.snap.status}).`);
    e.paused = false;
    e.rateWindow = [];
    this.update(e, { status: 'running', phase: 'Resuming' }, true);
    e.resumeWaiters.splice(0).forEach((w) => w());
    return { ...e.snap };
  }

  /** Cancels everything and waits for the job bodies to stop (app quit). */
  async shutdown(): Promise<void> {
    for (const e of this.jobs.values()) if (!isFinished(e.snap.status)) this.cancel(e.snap.id);
    await Promise.allSettled([...this.jobs.values()].map((e) => e.promise));
  }

  private entry(id: string): Entry {
    const e = this.jobs.get(id);
    if (!e) throw new NotFoundError(`No job with id ${id}.`);
    return e;
  }

  private contextFor(e: Entry): JobContext {
    return {
      id: e.snap.id,
      signal: e.abort.signal,
      progress: (p: JobProgress) => this.progress(e, p),
      isPaused: () => e.paused,
      checkpoint: async () => {
        while (e.paused && !e.abort.signal.aborted) await new Promise<void>((r) => e.resumeWaiters.push(r));
        if (e.abort.signal.aborted) throw new CancelledError();
      },
    };
  }

  private progress(e: Entry, p: JobProgress) {
    if (isFinished(e.snap.status)) return;
    const now = Date.now();
    if (p.phase !== e.snap.phase) e.rateWindow = [];
    e.rateWindow.push({ t: now, done: p.done + p.failed });
    while (e.rateWindow.length > 2 && now - e.rateWindow[0].t > 10_000) e.rateWindow.shift();
    const first = e.rateWindow[0];
    const seconds = (now - first.t) / 1000;
    const rate = seconds > 0.5 ? (p.done + p.failed - first.done) / seconds : undefined;
    const left = p.total - p.done - p.failed;
    const etaSeconds = rate && rate > 0 && left >= 0 ? left / rate : undefined;
    const changedPhase = p.phase !== e.snap.phase;
    if (e.snap.status === 'paused') {
      // Work already under way when the user paused (a batch in a worker) still reports: counts yes, but a
      // paused job has no speed and no time left; and its phase stays "Paused" so it reads as what it is.
      e.rateWindow = [];
      this.update(e, { done: p.done, failed: p.failed, total: p.total, rate: undefined, etaSeconds: undefined }, false);
      return;
    }
    this.update(e, { ...p, message: p.message, rate, etaSeconds }, changedPhase || p.done + p.failed >= p.total);
  }

  private update(e: Entry, patch: JobPatch, force: boolean) {
    // A patch never changes the kind, and its result is the one summarize gave for that kind.
    e.snap = { ...e.snap, ...patch } as JobSnapshot;
    const now = Date.now();
    if (force || now - e.lastEmit >= EMIT_EVERY_MS) this.emit(e);
  }

  private emit(e: Entry) {
    e.lastEmit = Date.now();
    this.bus.emit('job:update', { ...e.snap });
  }
}

function isFinished(status: JobSnapshot['status']) {
  return status === 'done' || status === 'failed' || status === 'cancelled';
}
