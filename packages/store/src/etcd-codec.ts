/**
 * Translation between etcd's v3 API (through the etcd3 client) and the Store contract: key-values, compares,
 * ops, lease ids and errors.
 *
 * Lease ids: etcd's are int64 and, when the server picks them, usually above 2^53 (member id in the top
 * bits), which a JavaScript number cannot hold exactly. So we pick the id ourselves when granting (etcd
 * accepts a requested ID): a random integer in [1, 2^53), retried on the rare collision. Every lease this
 * store grants is therefore exact as a number. A key attached by another client (etcdctl) to a larger id
 * reads back rounded; it can never equal one of ours, since ours are all below 2^53.
 */
import { randomBytes } from 'node:crypto';
import {
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  isStevedoreError,
} from '@stevedore/errors';
import type { ICompare, IKeyValue, IRequestOp } from 'etcd3';
import type { Compare, KeyValue, Op } from './contract.js';

export function kvFromEtcd(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: Number(kv.lease),
  };
}

export function compareToEtcd(c: Compare): ICompare {
  const key = Buffer.from(c.key);
  return c.target === 'modRevision'
    ? { key, target: 'Mod', result: 'Equal', mod_revision: c.equals }
    : { key, target: 'Value', result: 'Equal', value: Buffer.from(c.equals) };
}

export function opToEtcd(op: Op): IRequestOp {
  const key = Buffer.from(op.key);
  switch (op.type) {
    case 'get':
      return { request_range: { key } };
    case 'put':
      return { request_put: { key, value: Buffer.from(op.value), lease: op.lease ? String(op.lease) : 0 } };
    case 'delete':
      return { request_delete_range: { key } };
  }
}

/** A random lease id that is exact as a JavaScript number (see the header). */
export function randomLeaseId(): number {
  const id = Number(randomBytes(8).readBigUInt64BE() >> 11n);
  return id === 0 ? 1 : id;
}

/** How long etcd3's circuit breaker keeps a failing member out before trying it again (etcd-open.ts). */
export const BREAKER_HALF_OPEN_MS = 1000;

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const UNAVAILABLE =
  /unavailable|deadline|no connection|connect|closed|timed? ?out|ECONNREFUSED|leader|circuit breaker is open/i;

/** Maps an etcd3/gRPC failure to a Stevedore error; `what` says what we were doing, for the message. */
export function storeErrorFrom(err: unknown, what: string, endpoints: readonly string[]): Error {
  if (isStevedoreError(err)) return err;
  const message = messageOf(err);
  const name = err instanceof Error ? err.name : '';
  if (message.includes('requested lease not found')) {
    return new NotFoundError(
      `${what}: the lease does not exist or has expired; grant a new lease and retry`,
      {
        cause: err,
      },
    );
  }
  if (message.includes('duplicate key given in txn request')) {
    return new InvalidArgumentError(`${what}: a txn may write each key only once`, { cause: err });
  }
  if (message.includes('too many operations in txn request')) {
    return new InvalidArgumentError(
      `${what}: too many ops in one txn (etcd's default limit is 128); split it`,
      {
        cause: err,
      },
    );
  }
  if (UNAVAILABLE.test(message) || UNAVAILABLE.test(name)) {
    return new UnavailableError(
      `${what}: etcd at ${endpoints.join(', ')} is unavailable (${message}); check that the cluster is up, ` +
        'has a leader, and is reachable from this host',
      { cause: err },
    );
  }
  return new InternalError(`${what}: etcd failed: ${message}`, { cause: err });
}
