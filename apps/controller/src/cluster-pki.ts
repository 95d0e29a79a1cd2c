/**
 * The controller's PKI: the cluster root CA (server and node certificates) and the client root CA (client
 * bundles), the cluster's own, from the Store (packages/cluster root-cas.ts: keys sealed under the cluster
 * key, a copy kept in `<dataDir>/pki`, mode 0700), and the names this controller is reached by:
 * `localhost`, `127.0.0.1`, the host name, the listen address and every `--san`.
 *
 * The server certificate (90 days) is shared by the controllers and kept in the Store, its key sealed
 * under the cluster CA's key (server-certificate.ts); a start whose names it does not cover has one issued
 * for the union of every controller's names, so changing `--san` needs only a restart.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openRootCas, type RootCas } from '@stevedore/cluster';
import { fingerprintOf, issueCertificate, type KeyAndCertificate } from '@stevedore/pki';
import type { Store } from '@stevedore/store';

export interface ClusterPki {
  readonly clusterCa: KeyAndCertificate;
  readonly clientCa: KeyAndCertificate;
  /** Seals the CAs' keys in the Store; handed to a manager node that asks with its certificate. */
  readonly clusterKey: Buffer;
  readonly clusterCaFingerprint: string;
  /** Where the CAs came from at this start (the Store, this data dir, or made now). */
  readonly origin: RootCas['origin'];
  /** The names this controller is reached by: localhost, loopback, the host name, the listen address, `--san`. */
  readonly serverNames: readonly string[];
  issueServerCertificate(names: readonly string[]): Promise<KeyAndCertificate>;
}

const SERVER_VALIDITY_DAYS = 90;

export const pkiDirOf = (dataDir: string): string => join(dataDir, 'pki');

export async function openClusterPki(options: {
  store: Store;
  dataDir: string;
  listenHost: string;
  sans: readonly string[];
}): Promise<ClusterPki> {
  const { clusterCa, clientCa, clusterKey, origin } = await openRootCas(
    options.store,
    pkiDirOf(options.dataDir),
  );
  const names = new Set(['localhost', '127.0.0.1', '::1', hostname(), ...options.sans]);
  if (!['0.0.0.0', '::', ''].includes(options.listenHost)) names.add(options.listenHost);
  return {
    clusterCa,
    clientCa,
    clusterKey,
    origin,
    clusterCaFingerprint: fingerprintOf(clusterCa.certPem),
    serverNames: [...names],
    issueServerCertificate: (sans) =>
      issueCertificate(clusterCa, {
        commonName: 'stevedore-controller',
        organizationalUnit: 'controller',
        sans: [...sans],
        usage: 'server',
        validityDays: SERVER_VALIDITY_DAYS,
      }),
  };
}
