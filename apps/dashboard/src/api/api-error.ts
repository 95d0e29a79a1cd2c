/**
 * The one error type the dashboard's data layer throws: the API's `{ error: { code, message } }` body with
 * its HTTP status (and Retry-After for throttled logins), or a network / unexpected-answer failure in the
 * same shape, so every page explains a failure the same way.
 */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the controller could not be reached. */
    readonly status: number,
    /** The stable code from @stevedore/errors (`NOT_FOUND`, `PERMISSION_DENIED`, ...). */
    readonly code: string,
    message: string,
    readonly detail?: Readonly<Record<string, unknown>>,
    /** Seconds from the Retry-After header (429 answers). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The API refused (403) or hid (404) what was asked: not a fault, an access decision. */
  get isRefusal(): boolean {
    return this.status === 403 || this.status === 404;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** A sentence for a person: what went wrong, and what to do where we can say it. */
export function describeError(err: unknown): string {
  if (!isApiError(err)) return err instanceof Error ? err.message : 'Something went wrong.';
  if (err.status === 0)
    return `Could not reach the controller (${err.message}). Check the connection and retry.`;
  if (err.status === 429) {
    const wait = err.retryAfterSeconds ?? err.detail?.['retryAfterSeconds'];
    return typeof wait === 'number'
      ? `Too many failed attempts. Wait ${wait} seconds before trying again.`
      : `Too many requests: ${err.message}`;
  }
  const message = err.message.replace(/\.$/, '');
  if (err.status === 403) return `Refused: ${message}. Ask an administrator if you need this.`;
  if (err.status === 404) return `Not found or not visible to you: ${message}.`;
  return err.message;
}
