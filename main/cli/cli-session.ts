/**
 * The back end a command works on (the same createBackend as the app, on the same data folder), typed
 * calls through the gate, and following a job to its end with progress and Ctrl+C → cancel.
 */
import { createBackend, type Backend } from '../backend';
import type { CallInput, CallName, CallOutput, JobSnapshot } from '../../contract';
import { resolveDataDir } from '../core/data-dir';
import { standaloneJobContext, type JobContext } from '../jobs/types';
import { CliError, EXIT, type CliIo } from './cli-io';
import { ProgressView } from './cli-progress';

export async function withBackend<T>(dataDirFlag: string | undefined, fn: (b: Backend) => Promise<T>): Promise<T> {
  const backend = createBackend({ dataDir: resolveDataDir({ flag: dataDirFlag }) });
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}

/** A call through the gate: the same validation and handlers as the UI's. */
export function call<K extends CallName>(b: Backend, name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  return b.gate.invoke(name, input) as Promise<CallOutput<K>>;
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);

export interface FollowOptions {
  /** Extra events to print as lines while the job runs (e.g. training epochs). */
  onEvent?: (event: string, payload: unknown, view: ProgressView) => void;
}

/**
 * Shows the job's progress until it ends and returns its final snapshot. The first Ctrl+C cancels the
 * job (it ends 'cancelled', its run marked so); `interrupted` tells the caller to exit with 130.
 */
export function followJob(b: Backend, io: CliIo, job: JobSnapshot, opts: FollowOptions = {}): Promise<{ final: JobSnapshot; interrupted: boolean }> {
  const view = new ProgressView(io);
  let interrupted = false;
  return new Promise((resolve) => {
    const unsubscribe = b.bus.subscribe((event, payload) => {
      if (event !== 'job:update') opts.onEvent?.(event, payload, view);
      else if ((payload as JobSnapshot).id === job.id && !FINISHED.has((payload as JobSnapshot).status)) view.update(payload as JobSnapshot);
    });
    const offInterrupt = io.onInterrupt(() => {
      if (interrupted) return;
      interrupted = true;
      view.line('Cancelling… (the job stops at its next safe point)');
      b.jobs.cancel(job.id);
    });
    void b.jobs.finished(job.id).then((final) => {
      view.clear();
      unsubscribe();
      offInterrupt();
      resolve({ final, interrupted });
    });
  });
}

/**
 * Work done in this process without the job manager (eval, predict): same progress display, and
 * Ctrl+C aborts it; an aborted run ends in a CliError with exit code 130.
 */
export async function withProgress<T>(io: CliIo, fn: (ctx: JobContext) => Promise<T>): Promise<T> {
  const view = new ProgressView(io);
  const abort = new AbortController();
  const startedAt = new Date().toISOString();
  const offInterrupt = io.onInterrupt(() => {
    if (abort.signal.aborted) return;
    view.line('Cancelling…');
    abort.abort();
  });
  const ctx = standaloneJobContext({
    signal: abort.signal,
    onProgress: (p) => view.update({ id: 'local', kind: 'embed', title: '', status: 'running', startedAt, ...p }),
  });
  try {
    return await fn(ctx);
  } catch (err) {
    if (abort.signal.aborted) throw new CliError('cancelled', EXIT.interrupted);
    throw err;
  } finally {
    view.clear();
    offInterrupt();
  }
}
