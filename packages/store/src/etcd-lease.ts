/**
 * Leases on etcd. `keepAlive()` renews once, as the contract says (etcd3's own Lease renews forever in the
 * background, which is not what a caller that owns the renewal loop wants), over a short-lived KeepAlive
 * stream. etcd answers a keep-alive for an unknown or expired lease with TTL 0: that is NotFound.
 *
 * etcd may grant a longer TTL than asked (its minimum is about 1.5 x the election timeout, 2 s by
 * default); `ttlSeconds` is the TTL etcd granted.
 */
import type { Etcd3, ILeaseKeepAliveResponse } from 'etcd3';
import { NotFoundError } from '@stevedore/errors';
import type { Lease } from './contract.js';
import { messageOf, randomLeaseId } from './etcd-codec.js';

type Call = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

export async function grantEtcdLease(client: Etcd3, ttlSeconds: number, call: Call): Promise<Lease> {
  for (let attempt = 0; ; attempt++) {
    const id = randomLeaseId();
    try {
      const res = await client.leaseClient.leaseGrant({ ID: String(id), TTL: ttlSeconds });
      return etcdLease(client, id, Number(res.TTL), call);
    } catch (err) {
      // A random 53-bit id colliding is rare; more than a few in a row means something else is wrong.
      if (messageOf(err).includes('lease already exists') && attempt < 5) continue;
      return call('grant a lease', () => Promise.reject(err as Error));
    }
  }
}

function etcdLease(client: Etcd3, id: number, ttlSeconds: number, call: Call): Lease {
  const gone = () =>
    new NotFoundError(`lease ${id} has expired or was revoked; grant a new lease and re-attach its keys`, {
      detail: { lease: id },
    });
  return {
    id,
    ttlSeconds,
    keepAlive: async () => {
      const res = await call(`keep lease ${id} alive`, () => keepAliveOnce(client, id));
      if (Number(res.TTL) <= 0) throw gone();
    },
    revoke: async () => {
      try {
        await client.leaseClient.leaseRevoke({ ID: String(id) });
      } catch (err) {
        if (messageOf(err).includes('requested lease not found')) throw gone();
        await call(`revoke lease ${id}`, () => Promise.reject(err as Error));
      }
    },
  };
}

async function keepAliveOnce(client: Etcd3, id: number): Promise<ILeaseKeepAliveResponse> {
  const stream = await client.leaseClient.leaseKeepAlive();
  try {
    return await new Promise<ILeaseKeepAliveResponse>((resolve, reject) => {
      stream.on('data', resolve);
      stream.on('error', reject);
      stream.on('end', () => reject(new Error('etcd closed the keep-alive stream without an answer')));
      stream.write({ ID: String(id) });
    });
  } finally {
    stream.on('error', () => undefined);
    stream.cancel();
  }
}
