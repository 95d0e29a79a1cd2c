/**
 * The OCI Distribution error codes, registered once with their HTTP status (distribution's
 * errcode/register.go), and the one serializer the HTTP edge uses: `{"errors":[{code,message,detail}]}`.
 *
 * A RegistryError is also a StevedoreError of the matching class (BLOB_UNKNOWN is a NOT_FOUND, …), so
 * code outside the registry can test it with `isNotFound(err)` and friends.
 * Invariant: anything that is not a RegistryError reaches a client as a 500 with a generic message; its
 * message and stack go to the server log only.
 */
import { type ErrorCode, type ErrorDetail, StevedoreError, isStevedoreError } from '@stevedore/errors';

interface Registration {
  readonly status: number;
  readonly message: string;
  readonly class: ErrorCode;
}

export const REGISTRY_ERRORS = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry', class: 'NOT_FOUND' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid', class: 'INVALID_ARGUMENT' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry', class: 'NOT_FOUND' },
  DIGEST_INVALID: {
    status: 400,
    message: 'provided digest did not match uploaded content',
    class: 'INVALID_ARGUMENT',
  },
  MANIFEST_BLOB_UNKNOWN: {
    status: 400,
    message: 'manifest references a manifest or blob unknown to registry',
    class: 'FAILED_PRECONDITION',
  },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid', class: 'INVALID_ARGUMENT' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry', class: 'NOT_FOUND' },
  NAME_INVALID: { status: 400, message: 'invalid repository name', class: 'INVALID_ARGUMENT' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry', class: 'NOT_FOUND' },
  SIZE_INVALID: {
    status: 400,
    message: 'provided length did not match content length',
    class: 'INVALID_ARGUMENT',
  },
  UNAUTHORIZED: { status: 401, message: 'authentication required', class: 'UNAUTHENTICATED' },
  DENIED: { status: 403, message: 'requested access to the resource is denied', class: 'PERMISSION_DENIED' },
  UNSUPPORTED: { status: 405, message: 'the operation is unsupported', class: 'FAILED_PRECONDITION' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests', class: 'RESOURCE_EXHAUSTED' },
  // Not in the spec's table: the body of a 416, which the spec gives no code for.
  RANGE_INVALID: { status: 416, message: 'requested range not satisfiable', class: 'INVALID_ARGUMENT' },
} as const satisfies Record<string, Registration>;

export type RegistryErrorCode = keyof typeof REGISTRY_ERRORS;

export interface RegistryErrorOptions {
  readonly detail?: ErrorDetail;
  readonly cause?: unknown;
  /** Response headers the error needs (a 416's `Range`, a 429's `Retry-After`). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A different status for this one response, where the spec asks for it with a code of its own table
   * (413 for an oversized manifest). Rare on purpose: the registered status is the rule.
   */
  readonly status?: number;
}

export class RegistryError extends StevedoreError {
  override readonly name: string = 'RegistryError';
  readonly code: ErrorCode;
  readonly registryCode: RegistryErrorCode;
  readonly headers: Readonly<Record<string, string>>;
  private readonly statusOverride: number | undefined;

  constructor(code: RegistryErrorCode, message?: string, options: RegistryErrorOptions = {}) {
    super(message ?? REGISTRY_ERRORS[code].message, options);
    this.registryCode = code;
    this.code = REGISTRY_ERRORS[code].class;
    this.headers = options.headers ?? {};
    this.statusOverride = options.status;
  }

  override get httpStatus(): number {
    return this.statusOverride ?? REGISTRY_ERRORS[this.registryCode].status;
  }
}

export function registryError(
  code: RegistryErrorCode,
  message?: string,
  options?: RegistryErrorOptions,
): RegistryError {
  return new RegistryError(code, message, options);
}

export function isRegistryError(err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.registryCode === code);
}

export interface RegistryErrorBody {
  readonly errors: readonly { readonly code: string; readonly message: string; readonly detail?: unknown }[];
}

export interface RegistryErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: RegistryErrorBody;
  /** True when the error was not expected (log it with its stack); the body then says nothing of it. */
  readonly unexpected: boolean;
}

const INTERNAL = 'An internal error occurred. The server log has the details; please report it.';

// Errors of the generic classes (from the Store, the config, a driver) keep their status; the body uses
// the registry code that means the same, or UNKNOWN (distribution's code for a 5xx) when none does.
const BY_CLASS: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'UNAUTHORIZED',
  PERMISSION_DENIED: 'DENIED',
  RESOURCE_EXHAUSTED: 'TOOMANYREQUESTS',
};

export function toRegistryErrorResponse(err: unknown): RegistryErrorResponse {
  if (err instanceof RegistryError) {
    const entry = {
      code: err.registryCode,
      message: err.message,
      ...(err.detail ? { detail: err.detail } : {}),
    };
    return { status: err.httpStatus, headers: err.headers, body: { errors: [entry] }, unexpected: false };
  }
  if (isStevedoreError(err) && err.httpStatus < 500) {
    const code = BY_CLASS[err.code] ?? 'UNSUPPORTED';
    return {
      status: err.httpStatus,
      headers: {},
      body: { errors: [{ code, message: err.message, ...(err.detail ? { detail: err.detail } : {}) }] },
      unexpected: false,
    };
  }
  const status = isStevedoreError(err) ? err.httpStatus : 500;
  return {
    status,
    headers: {},
    body: { errors: [{ code: 'UNKNOWN', message: INTERNAL }] },
    unexpected: true,
  };
}
