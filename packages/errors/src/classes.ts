/**
 * The fixed set of error classes every Stevedore package throws (containerd's errdefs, in TypeScript).
 *
 * Invariants:
 * - A class is identified by its `code`, never by its message; callers test with `isNotFound(err)` etc.
 * - Each code maps to exactly one HTTP status (see `httpStatusOf`), applied once at the edge.
 * - `message` is written for the person who sees it: what was wrong and what to do. It must never hold
 *   secrets, since it is shown to clients and logged.
 * - `detail` is structured, client-safe context (a field name, an allowed range), serialized as-is.
 */

export const ERROR_CODES = [
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'INVALID_ARGUMENT',
  'FAILED_PRECONDITION',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'CONFLICT',
  'RESOURCE_EXHAUSTED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 412,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  CONFLICT: 409,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

export type ErrorDetail = Readonly<Record<string, unknown>>;

export interface StevedoreErrorOptions {
  /** Client-safe structured context, e.g. `{ field: 'registry.listen' }`. */
  readonly detail?: ErrorDetail;
  /** The underlying error; logged server-side, never serialized to clients. */
  readonly cause?: unknown;
}

export abstract class StevedoreError extends Error {
  abstract readonly code: ErrorCode;
  readonly detail: ErrorDetail | undefined;

  constructor(message: string, options: StevedoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = options.detail;
  }

  get httpStatus(): number {
    return httpStatusOf(this.code);
  }
}

export class NotFoundError extends StevedoreError {
  override readonly name: string = 'NotFoundError';
  readonly code = 'NOT_FOUND';
}
export class AlreadyExistsError extends StevedoreError {
  override readonly name: string = 'AlreadyExistsError';
  readonly code = 'ALREADY_EXISTS';
}
export class InvalidArgumentError extends StevedoreError {
  override readonly name: string = 'InvalidArgumentError';
  readonly code = 'INVALID_ARGUMENT';
}
export class FailedPreconditionError extends StevedoreError {
  override readonly name: string = 'FailedPreconditionError';
  readonly code = 'FAILED_PRECONDITION';
}
export class UnauthenticatedError extends StevedoreError {
  override readonly name: string = 'UnauthenticatedError';
  readonly code = 'UNAUTHENTICATED';
}
export class PermissionDeniedError extends StevedoreError {
  override readonly name: string = 'PermissionDeniedError';
  readonly code = 'PERMISSION_DENIED';
}
export class ConflictError extends StevedoreError {
  override readonly name: string = 'ConflictError';
  readonly code = 'CONFLICT';
}
export class ResourceExhaustedError extends StevedoreError {
  override readonly name: string = 'ResourceExhaustedError';
  readonly code = 'RESOURCE_EXHAUSTED';
}
export class UnavailableError extends StevedoreError {
  override readonly name: string = 'UnavailableError';
  readonly code = 'UNAVAILABLE';
}
export class InternalError extends StevedoreError {
  override readonly name: string = 'InternalError';
  readonly code = 'INTERNAL';
}

export function isStevedoreError(err: unknown): err is StevedoreError {
  return err instanceof StevedoreError;
}

function hasCode(code: ErrorCode) {
  return (err: unknown): boolean => isStevedoreError(err) && err.code === code;
}

export const isNotFound = hasCode('NOT_FOUND');
export const isAlreadyExists = hasCode('ALREADY_EXISTS');
export const isInvalidArgument = hasCode('INVALID_ARGUMENT');
export const isFailedPrecondition = hasCode('FAILED_PRECONDITION');
export const isUnauthenticated = hasCode('UNAUTHENTICATED');
export const isPermissionDenied = hasCode('PERMISSION_DENIED');
export const isConflict = hasCode('CONFLICT');
export const isResourceExhausted = hasCode('RESOURCE_EXHAUSTED');
export const isUnavailable = hasCode('UNAVAILABLE');
export const isInternal = hasCode('INTERNAL');
