/**
 * Failures by what the user can do about them. Modules throw these; the edge (the API gate, the CLI)
 * maps them once to an error code or an exit status. Anything else is a fault of ours.
 */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unsupported' | 'cancelled';

export abstract class AppError extends Error {
  abstract readonly kind: ErrorKind;
}

/** Input the user can correct: a bad path, a malformed file, a setting out of range. */
export class InvalidError extends AppError {
  readonly kind = 'invalid';
  /** Field-level problems, when the input was a form. */
  readonly issues?: { path: string; message: string }[];
  constructor(message: string, issues?: { path: string; message: string }[]) {
    super(message);
    this.name = 'InvalidError';
    this.issues = issues;
  }
}

/** Something named does not exist (a library, a poster, a run, a job). */
export class NotFoundError extends AppError {
  readonly kind = 'not_found';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Not possible in the current state (a queued job paused, a run without a model changed). */
export class ConflictError extends AppError {
  readonly kind = 'conflict';
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Not available where the app runs (folder dialogs outside the desktop app). */
export class UnsupportedError extends AppError {
  readonly kind = 'unsupported';
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedError';
  }
}

/** The user cancelled the work. */
export class CancelledError extends AppError {
  readonly kind = 'cancelled';
  constructor(message = 'Cancelled by the user') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** Whether work stopped because it was cancelled: the error itself, or an aborted signal. */
export function isCancellation(err: unknown, signal?: AbortSignal): boolean {
  return err instanceof CancelledError || Boolean(signal?.aborted);
}
