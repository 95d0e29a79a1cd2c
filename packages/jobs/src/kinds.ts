/**
 * Job kinds: a name, a zod schema for the payload (checked at enqueue, and again before the handler runs,
 * since a record may predate a schema change), the handler, and the retry policy.
 */
import { InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import type { z } from 'zod';

export interface JobContext {
  /** Aborted when the job is cancelled, times out, its runner closes or loses its claim. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly jobId: string;
  /** Records a progress note on the job (at most one write a second; the latest note wins). */
  heartbeat(progress?: string): void;
  /** A line for the process's log, tagged with the job. */
  log(message: string): void;
}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<unknown>;

export interface BackoffPolicy {
  readonly initialSeconds: number;
  readonly maxSeconds: number;
}

export interface JobKindOptions<S extends z.ZodType> {
  readonly schema: S;
  readonly handler: JobHandler<z.output<S>>;
  /** Attempts before the job ends `failed` (default 5). */
  readonly maxAttempts?: number;
  /** Delay before retry n is `initialSeconds * 2^(n-1)`, at most `maxSeconds` (default 1 s, 300 s). */
  readonly backoff?: Partial<BackoffPolicy>;
  /** An attempt running longer than this is aborted and counts as failed (default: no limit). */
  readonly timeoutSeconds?: number;
}

export interface JobKind {
  readonly name: string;
  readonly schema: z.ZodType;
  readonly handler: JobHandler<unknown>;
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  readonly timeoutSeconds: number | undefined;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_BACKOFF: BackoffPolicy = { initialSeconds: 1, maxSeconds: 300 };

const KIND = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

export function checkKindName(name: string, field = 'kind'): void {
  if (typeof name !== 'string' || name.length > 100 || !KIND.test(name)) {
    throw new InvalidArgumentError(
      `${field} ${JSON.stringify(name)} is not a valid job kind: use dot-separated lower-case words of ` +
        `letters, digits and '-', e.g. 'registry.sweep-uploads'`,
      { detail: { field } },
    );
  }
}

export function makeKind<S extends z.ZodType>(name: string, options: JobKindOptions<S>): JobKind {
  checkKindName(name);
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  positive(maxAttempts, 'maxAttempts', true);
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  positive(backoff.initialSeconds, 'backoff.initialSeconds');
  positive(backoff.maxSeconds, 'backoff.maxSeconds');
  if (options.timeoutSeconds !== undefined) positive(options.timeoutSeconds, 'timeoutSeconds');
  return {
    name,
    schema: options.schema,
    handler: options.handler as JobHandler<unknown>,
    maxAttempts,
    backoff,
    timeoutSeconds: options.timeoutSeconds,
  };
}

function positive(value: number, field: string, integer = false): void {
  if (
    typeof value !== 'number' ||
    !(value > 0) ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value))
  ) {
    throw new InvalidArgumentError(
      `${field} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`,
      {
        detail: { field },
      },
    );
  }
}

/** The payload as the kind's schema parses it, or InvalidArgumentError naming the first bad field. */
export function parsePayload(kind: JobKind, payload: unknown): unknown {
  const parsed = kind.schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = ['payload', ...(issue?.path ?? []).map(String)].join('.');
  throw new InvalidArgumentError(
    `invalid ${kind.name} job payload: ${field}: ${issue?.message ?? 'invalid'}; fix it and enqueue again`,
    { detail: { field, kind: kind.name } },
  );
}

export class KindRegistry {
  private readonly kinds = new Map<string, JobKind>();

  add(kind: JobKind): void {
    if (this.kinds.has(kind.name)) {
      throw new InvalidArgumentError(`job kind ${JSON.stringify(kind.name)} is already defined`, {
        detail: { field: 'kind' },
      });
    }
    this.kinds.set(kind.name, kind);
  }

  find(name: string): JobKind | undefined {
    return this.kinds.get(name);
  }

  get(name: string): JobKind {
    const kind = this.kinds.get(name);
    if (!kind) {
      throw new NotFoundError(
        `job kind ${JSON.stringify(name)} is not defined in this process; define it with jobs.define() first`,
        { detail: { kind: name } },
      );
    }
    return kind;
  }
}
