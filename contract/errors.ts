/** Error codes the renderer can act on; messages are written for users. */
export type ApiErrorCode = 'invalid_input' | 'unknown_call' | 'not_found' | 'conflict' | 'unsupported' | 'cancelled' | 'internal';

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  /** Field-level problems, for invalid_input. */
  issues?: { path: string; message: string }[];
}

/** The one envelope every transport (IPC, HTTP) carries, so errors survive the trip intact. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ApiErrorBody };
