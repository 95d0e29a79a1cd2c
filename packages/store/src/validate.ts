/**
 * Input checks shared by every Store implementation, so each refuses the same inputs with the same
 * InvalidArgument message (the conformance suite checks that they agree).
 */
import { InvalidArgumentError } from '@stevedore/errors';
import type { Op, RangeOptions, TxnRequest } from './contract.js';

export function checkKey(key: string, what = 'key'): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidArgumentError(
      `${what} must be a non-empty string; pass the full key, e.g. '/registry/repos/app'`,
      {
        detail: { field: what },
      },
    );
  }
}

export function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string') {
    throw new InvalidArgumentError("prefix must be a string ('' means every key)", {
      detail: { field: 'prefix' },
    });
  }
}

export function checkRangeOptions(options: RangeOptions): void {
  const { limit } = options;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new InvalidArgumentError(`limit must be a non-negative integer (0 means no limit), got ${limit}`, {
      detail: { field: 'limit' },
    });
  }
  if (options.after !== undefined && typeof options.after !== 'string') {
    throw new InvalidArgumentError('after must be the last key of the previous page', {
      detail: { field: 'after' },
    });
  }
  if (options.revision !== undefined) checkRevision(options.revision, 'revision');
}

/** A range asked for a revision the Store has not reached (every implementation says it the same way). */
export function futureRevision(revision: number, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    `cannot read at revision ${revision}: it is newer than the current revision; pass the revision of an earlier read`,
    { cause, detail: { field: 'revision', revision } },
  );
}

/** A revision the caller names: a positive safe integer (or 0 where `allowZero`, for "absent"). */
export function checkRevision(revision: number, field: string, allowZero = false): void {
  if (!Number.isSafeInteger(revision) || revision < (allowZero ? 0 : 1)) {
    throw new InvalidArgumentError(
      `${field} must be an integer >= ${allowZero ? 0 : 1}, got ${revision}` +
        (allowZero ? ' (0 means the key must not exist)' : ''),
      { detail: { field } },
    );
  }
}

export function checkTtl(ttlSeconds: number): void {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new InvalidArgumentError(`lease TTL must be a whole number of seconds >= 1, got ${ttlSeconds}`, {
      detail: { field: 'ttlSeconds' },
    });
  }
}

function checkLeaseId(lease: number | undefined): void {
  if (lease !== undefined && (!Number.isSafeInteger(lease) || lease < 0)) {
    throw new InvalidArgumentError(
      `lease must be a lease id from grantLease() (or 0 for none), got ${lease}`,
      {
        detail: { field: 'lease' },
      },
    );
  }
}

function checkOps(ops: readonly Op[], branch: string): void {
  const written = new Set<string>();
  for (const op of ops) {
    checkKey(op.key, `${branch} op key`);
    if (op.type === 'get') continue;
    if (op.type === 'put') {
      if (typeof op.value !== 'string') {
        throw new InvalidArgumentError(`put of '${op.key}' needs a string value`, {
          detail: { field: 'value' },
        });
      }
      checkLeaseId(op.lease);
    }
    // etcd refuses a txn that writes one key twice; refusing it everywhere keeps the implementations alike.
    if (written.has(op.key)) {
      throw new InvalidArgumentError(
        `txn ${branch} writes '${op.key}' more than once; write each key once per txn`,
        {
          detail: { field: branch, key: op.key },
        },
      );
    }
    written.add(op.key);
  }
}

export function checkTxn(request: TxnRequest): void {
  for (const c of request.compares) {
    checkKey(c.key, 'compare key');
    if (c.target === 'modRevision') checkRevision(c.equals, 'compare modRevision', true);
    else if (c.target !== 'value' || typeof c.equals !== 'string') {
      throw new InvalidArgumentError(
        "compare target must be 'modRevision' (a number) or 'value' (a string)",
        {
          detail: { field: 'compares' },
        },
      );
    }
  }
  checkOps(request.success, 'success');
  checkOps(request.failure ?? [], 'failure');
}

export { checkLeaseId };
