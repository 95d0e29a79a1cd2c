/**
 * Fault injection for "the Store stops answering this process": a Store that forwards everything to a
 * real one, except that every lease call (grant, renew, revoke) fails (Unavailable) once `breakRenewals()`
 * was called, as they do when etcd is unreachable. The leases are real, so they expire on the real Store
 * after their TTL.
 */
import { UnavailableError } from '@stevedore/errors';
import type { Lease, Store } from '@stevedore/store';

export interface RenewalFault {
  readonly store: Store;
  breakRenewals(): void;
}

const fault = () => new UnavailableError('injected fault: the Store does not answer lease calls');

export function withRenewalFault(inner: Store): RenewalFault {
  let broken = false;
  const store: Store = {
    kind: inner.kind,
    get: (key) => inner.get(key),
    range: (prefix, options) => inner.range(prefix, options),
    put: (key, value, options) => inner.put(key, value, options),
    delete: (key, options) => inner.delete(key, options),
    txn: (request) => inner.txn(request),
    revision: () => inner.revision(),
    watch: (prefix, options) => inner.watch(prefix, options),
    compact: (revision) => inner.compact(revision),
    health: () => inner.health(),
    close: () => inner.close(),
    grantLease: async (ttlSeconds): Promise<Lease> => {
      if (broken) throw fault();
      const lease = await inner.grantLease(ttlSeconds);
      return {
        id: lease.id,
        ttlSeconds: lease.ttlSeconds,
        revoke: () => (broken ? Promise.reject(fault()) : lease.revoke()),
        keepAlive: () => (broken ? Promise.reject(fault()) : lease.keepAlive()),
      };
    },
  };
  return { store, breakRenewals: () => (broken = true) };
}
