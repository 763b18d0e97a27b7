import { CancelledError } from '../core/errors';
// One definition of the kinds and states, the contract's.
export type { JobKind, JobStatus, JobResult } from '../../contract';

export interface JobProgress {
  /** What the job is doing now, in words a user understands ("Embedding posters"). */
  phase: string;
  done: number;
  failed: number;
  total: number;
  /** Short free text for the current item or state. */
  message?: string;
}

/** Handed to every long-running job body; the manager turns it into events, cancel and pause. */
export interface JobContext {
  readonly id: string;
  readonly signal: AbortSignal;
  /** Throttled by the manager; call as often as you like. */
  progress(p: JobProgress): void;
  /** Resolves at once unless the user paused the job; rejects with CancelledError when cancelled. */
  checkpoint(): Promise<void>;
  /** Whether the user paused the job (for work that runs elsewhere, e.g. a worker thread). */
  isPaused?(): boolean;
}

/** A JobContext for tests and the CLI that need no manager. */
export function standaloneJobContext(opts: { signal?: AbortSignal; onProgress?: (p: JobProgress) => void } = {}): JobContext {
  const signal = opts.signal ?? new AbortController().signal;
  return {
    id: 'standalone',
    signal,
    progress: (p) => opts.onProgress?.(p),
    checkpoint: async () => {
      if (signal.aborted) throw new CancelledError();
    },
  };
}
