/**
 * The controller's PKI in its data dir: the cluster root CA (server and node certificates), the client
 * root CA (client bundles), and the controller's own server certificate for `localhost`, `127.0.0.1`,
 * the host name, the listen address and every `--san`.
 *
 * Layout (all under `<dataDir>/pki`, mode 0700):
 *   cluster-root-ca.pem, cluster-root-ca-key.pem   made once; the key never leaves this directory
 *   client-root-ca.pem,  client-root-ca-key.pem
 * The server certificate (90 days) is shared by the controllers and kept in the Store, its key sealed
 * under the cluster CA's key (server-certificate.ts); a start whose names it does not cover has one issued
 * for the union of every controller's names, so changing `--san` needs only a restart.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf, issueCertificate, loadOrCreateCa, type KeyAndCertificate } from '@stevedore/pki';

export interface ClusterPki {
  readonly clusterCa: KeyAndCertificate;
  readonly clientCa: KeyAndCertificate;
  readonly clusterCaFingerprint: string;
  /** The names this controller is reached by: localhost, loopback, the host name, the listen address, `--san`. */
  readonly serverNames: readonly string[];
  issueServerCertificate(names: readonly string[]): Promise<KeyAndCertificate>;
}

const CA_VALIDITY_DAYS = 3650;
const SERVER_VALIDITY_DAYS = 90;

export async function openClusterPki(options: {
  dataDir: string;
  listenHost: string;
  sans: readonly string[];
}): Promise<ClusterPki> {
  const dir = join(options.dataDir, 'pki');
  const clusterCa = await loadOrCreateCa(dir, 'cluster-root-ca', {
    commonName: 'Stevedore cluster root CA',
    validityDays: CA_VALIDITY_DAYS,
  });
  const clientCa = await loadOrCreateCa(dir, 'client-root-ca', {
    commonName: 'Stevedore client root CA',
    validityDays: CA_VALIDITY_DAYS,
  });
  const names = new Set(['localhost', '127.0.0.1', '::1', hostname(), ...options.sans]);
  if (!['0.0.0.0', '::', ''].includes(options.listenHost)) names.add(options.listenHost);
  return {
    clusterCa,
    clientCa,
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
