/**
 * Transaction evaluation for the local stores, synchronous over a `LocalBackend`. Callers run these inside
 * `backend.atomically`, then publish the returned events to the watch hub after the commit.
 *
 * Invariants:
 * - Every check that can refuse (lease existence) runs before the first write, so a refused txn writes
 *   nothing even on the memory backend, which has no rollback.
 * - All changes of one call share revision current+1, which is committed only if something changed
 *   (deleting an absent key changes nothing, as in etcd).
 */
import { NotFoundError } from '@stevedore/errors';
import type { Compare, KeyValue, Op, TxnRequest, TxnResult, WatchEvent } from './contract.js';
import type { LocalBackend } from './local-backend.js';

export interface Applied {
  readonly result: TxnResult;
  readonly events: readonly WatchEvent[];
}

function holds(backend: LocalBackend, compare: Compare): boolean {
  const kv = backend.get(compare.key);
  if (compare.target === 'modRevision') return (kv?.modRevision ?? 0) === compare.equals;
  return kv !== undefined && kv.value === compare.equals;
}

export function leaseIsLive(backend: LocalBackend, id: number, now: number): boolean {
  const lease = backend.getLease(id);
  return lease !== undefined && lease.expiresAt > now;
}

export function applyTxn(backend: LocalBackend, request: TxnRequest, now: number): Applied {
  const succeeded = request.compares.every((c) => holds(backend, c));
  const ops: readonly Op[] = succeeded ? request.success : (request.failure ?? []);
  for (const op of ops) {
    if (
      op.type === 'put' &&
      op.lease !== undefined &&
      op.lease !== 0 &&
      !leaseIsLive(backend, op.lease, now)
    ) {
      throw new NotFoundError(
        `lease ${op.lease} does not exist or has expired; grant a new lease and retry`,
        {
          detail: { lease: op.lease },
        },
      );
    }
  }
  const current = backend.revision();
  const revision = current + 1;
  const events: WatchEvent[] = [];
  const results: (KeyValue | undefined)[] = [];
  for (const op of ops) {
    const prev = backend.get(op.key);
    if (op.type === 'get') {
      results.push(prev);
      continue;
    }
    results.push(undefined);
    if (op.type === 'put') {
      const kv: KeyValue = {
        key: op.key,
        value: op.value,
        createRevision: prev?.createRevision ?? revision,
        modRevision: revision,
        version: (prev?.version ?? 0) + 1,
        lease: op.lease ?? 0,
      };
      backend.putKey(kv);
      events.push({ type: 'put', kv, revision });
    } else if (prev) {
      backend.deleteKey(op.key);
      events.push({ type: 'delete', key: op.key, revision });
    }
  }
  if (events.length > 0) backend.commit(revision, events);
  return { result: { succeeded, revision: events.length > 0 ? revision : current, results }, events };
}

/** Deletes a lease and, in one revision, every key attached to it. */
export function dropLease(backend: LocalBackend, id: number): readonly WatchEvent[] {
  const keys = backend.keysOfLease(id);
  backend.deleteLease(id);
  if (keys.length === 0) return [];
  return applyTxn(backend, { compares: [], success: keys.map((key) => ({ type: 'delete', key })) }, 0).events;
}
