/** Error codes the renderer can act on; messages are written for users. */
export type ApiErrorCode =
  | 'invalid_input'
  | 'unknown_call'
  | 'not_found'
  | 'conflict'
  | 'unsupported'
  | 'cancelled'
  | 'internal';

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  /** Field-level problems, for invalid_input. */
  issues?: { path: string; message: string }[];
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly issues?: ApiErrorBody['issues'];
  constructor(code: ApiErrorCode, message: string, issues?: ApiErrorBody['issues']) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.issues = issues;
  }
  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
}

/** A failure the user caused or can fix (bad path, missing model): shown as is. */
export class UserError extends ApiError {
  constructor(message: string, code: ApiErrorCode = 'invalid_input') {
    super(code, message);
  }
}

/** The one envelope every transport (IPC, HTTP) carries, so errors survive the trip intact. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ApiErrorBody };

export function toErrorBody(err: unknown): ApiErrorBody {
  if (err instanceof ApiError) return err.toBody();
  if (err instanceof Error && err.name === 'CancelledError') return { code: 'cancelled', message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: message || 'Unexpected error' };
}

/**
 * The bridge's HTTP status for an answered call. A refusal the user can act on (bad path, missing run,
 * invalid field) is an answer, not a transport failure: 200 with `ok: false`, so the browser does not log
 * it as a failed resource. Only calls that do not exist and internal faults get an error status.
 */
export function httpStatusOf(envelope: Envelope<unknown>): number {
  if (envelope.ok) return 200;
  if (envelope.error.code === 'unknown_call') return 404;
  if (envelope.error.code === 'internal') return 500;
  return 200;
}

/**
 * Runs a back-end call whose plain Errors carry user-readable messages (the library and tagging modules):
 * "No …" / "There is no run …" become not_found, everything else a user error.
 */
export function userFacing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw /^(No (library|poster|image)|There is no run)/i.test(message) ? new ApiError('not_found', message) : new UserError(message);
  }
}
