/**
 * The one place where an error becomes a client response. Servers call `toErrorResponse` at their edge;
 * anything that is not a StevedoreError is reported as INTERNAL with a generic message, so stack traces
 * and messages of unexpected errors (which may hold secrets or paths) never reach a client.
 */
import { type ErrorCode, type ErrorDetail, isStevedoreError } from './classes.js';

export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly detail?: ErrorDetail;
  };
}

export interface ErrorResponse {
  readonly status: number;
  readonly body: ErrorBody;
  /** True when the error was not a StevedoreError: the caller should log the original with its stack. */
  readonly unexpected: boolean;
}

const INTERNAL_MESSAGE = 'An internal error occurred. The server log has the details; please report it.';

export function toErrorResponse(err: unknown): ErrorResponse {
  if (isStevedoreError(err)) {
    const body: ErrorBody =
      err.detail === undefined
        ? { error: { code: err.code, message: err.message } }
        : { error: { code: err.code, message: err.message, detail: err.detail } };
    return { status: err.httpStatus, body, unexpected: false };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: INTERNAL_MESSAGE } }, unexpected: true };
}
