/**
 * What a failed engine call means, in the repo's error classes. Every message names the engine's address
 * and the call (method and path, never the query: it may name resources the reader should not see):
 * - the engine could not be reached, or broke off its answer: UnavailableError, saying what to check;
 * - it did not answer within the call's time: UnavailableError ("did not answer … within N ms");
 * - it answered ≥ 400 (only the typed helpers throw then): the class of that status, with the engine's own
 *   message, which says what is wrong better than we could;
 * - a 2xx answer that is not JSON: FailedPreconditionError (the address is probably not an engine).
 * An abort through the caller's signal is passed on as it is (an AbortError), not translated.
 */
import {
  ConflictError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  StevedoreError,
  UnauthenticatedError,
  UnavailableError,
  type StevedoreErrorOptions,
} from '@stevedore/errors';

export interface EngineCall {
  /** The engine's address, as messages name it. */
  readonly engine: string;
  readonly method: string;
  /** The path as sent (with its version prefix), with or without the query. */
  readonly path: string;
}

const pathOf = (call: EngineCall) => call.path.split('?')[0] ?? call.path;
const detailOf = (call: EngineCall) => ({ dockerHost: call.engine, method: call.method, path: pathOf(call) });

/** TLS failures have their own advice: the connection was made, the certificates did not fit. */
function isTlsFailure(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return (
    /^ERR_TLS|^ERR_SSL|CERT|SELF_SIGNED|UNABLE_TO_|DEPTH_ZERO/.test(code) || /SSL routines/.test(err.message)
  );
}

/** OpenSSL's messages carry its source file and line; the reason is what a reader needs. */
function reasonOf(err: Error): string {
  const openssl = /SSL routines:[^:]*:([^:]+):/.exec(err.message)?.[1];
  return openssl ? `TLS ${openssl}` : err.message;
}

export function engineUnreachable(call: EngineCall, err: Error): UnavailableError {
  const advice = isTlsFailure(err)
    ? 'check the CA certificate it is verified against and the client certificate'
    : 'is it running, and is the address right?';
  return new UnavailableError(
    `cannot reach the Docker Engine at ${call.engine} (${call.method} ${pathOf(call)}): ${reasonOf(err)}; ${advice}`,
    { cause: err, detail: detailOf(call) },
  );
}

export function engineTimedOut(call: EngineCall, timeoutMs: number): UnavailableError {
  return new UnavailableError(
    `Docker Engine at ${call.engine} did not answer ${call.method} ${pathOf(call)} within ${timeoutMs} ms; is it running?`,
    { detail: { ...detailOf(call), timeoutMs } },
  );
}

export function engineNotJson(call: EngineCall, status: number): FailedPreconditionError {
  return new FailedPreconditionError(
    `${call.engine} answered ${call.method} ${pathOf(call)} (${status}) with something that is not JSON; is that address a Docker Engine?`,
    { detail: { ...detailOf(call), engineStatus: status } },
  );
}

type ErrorClass = new (message: string, options?: StevedoreErrorOptions) => StevedoreError;

const BY_STATUS: Readonly<Record<number, ErrorClass>> = {
  400: InvalidArgumentError,
  401: UnauthenticatedError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  429: ResourceExhaustedError,
};

/** The engine's own message from an error answer: `{"message": …}`, or the text itself. */
export function engineMessageOf(body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const message = (JSON.parse(text) as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : text;
  } catch {
    return text;
  }
}

/** An error answer (status ≥ 400) as the error class of its status; other statuses are preconditions. */
export function engineRefused(call: EngineCall, status: number, body: Buffer): StevedoreError {
  const Class = BY_STATUS[status] ?? FailedPreconditionError;
  return new Class(
    `the Docker Engine at ${call.engine} refused ${call.method} ${pathOf(call)} (${status}): ${engineMessageOf(body)}`,
    { detail: { ...detailOf(call), engineStatus: status } },
  );
}

/** Errors already ours, and aborts, pass; anything else from the socket means the engine was not reached. */
export function asEngineError(call: EngineCall, err: Error): Error {
  if (err instanceof StevedoreError || err.name === 'AbortError') return err;
  return engineUnreachable(call, err);
}
