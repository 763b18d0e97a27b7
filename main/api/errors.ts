// The edge: typed failures (core/errors) become the contract's error bodies, once, for every transport.
import type { ApiErrorBody, ApiErrorCode, Envelope } from '../../contract/errors';
import { AppError, InvalidError, type ErrorKind } from '../core/errors';

/** A call name the contract does not have: a fault of the caller's program, not of its user. */
export class UnknownCallError extends Error {
  constructor(name: unknown) {
    super(`Unknown call "${String(name).slice(0, 80)}".`);
    this.name = 'UnknownCallError';
  }
}

const CODE_OF: Record<ErrorKind, ApiErrorCode> = {
  invalid: 'invalid_input',
  not_found: 'not_found',
  conflict: 'conflict',
  unsupported: 'unsupported',
  cancelled: 'cancelled',
};

export function toErrorBody(err: unknown): ApiErrorBody {
  if (err instanceof UnknownCallError) return { code: 'unknown_call', message: err.message };
  if (err instanceof AppError) {
    const issues = err instanceof InvalidError ? err.issues : undefined;
    return { code: CODE_OF[err.kind], message: err.message, ...(issues ? { issues } : {}) };
  }
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
