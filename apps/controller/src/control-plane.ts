/**
 * Composition of the control plane over an open Store: the access model (kept live from the Store), the
 * identity and access services, the audit log, the PKI, the first administrator, and the HTTPS server.
 * `stevedore up` calls this after it has made sure of the engine and opened the Store; API tests call it
 * directly with a memory, SQLite or etcd store.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createAccess, startAccessModelSync } from '@stevedore/access';
import { AuditLog } from '@stevedore/audit';
import { createIdentity, type IdentitySettingsInput } from '@stevedore/identity';
import type { Store } from '@stevedore/store';
import { openClusterPki } from './cluster-pki.js';
import { buildHandlers } from './handlers/index.js';
import { startControllerServer } from './server.js';

export interface ControlPlaneOptions {
  readonly store: Store;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly sans?: readonly string[];
  readonly logger: Logger;
  readonly version: string;
  /** Password for the first administrator; generated (and returned once) when absent. */
  readonly adminPassword?: string;
  /** Identity settings (session lifetime, throttling, KDF cost); tests lower the KDF cost. */
  readonly identity?: IdentitySettingsInput;
}

export interface ControlPlane {
  readonly url: string;
  readonly port: number;
  readonly clusterCaPem: string;
  readonly clusterCaFingerprint: string;
  /** Set only on the start that created the first administrator. */
  readonly firstAdmin?: { readonly username: string; readonly password: string; readonly generated: boolean };
  close(): Promise<void>;
}

export const FIRST_ADMIN = 'admin';

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { store, logger } = options;
  const sync = await startAccessModelSync(store, {
    onError: (err: unknown) => logger.warn({ err }, 'access model sync restarted'),
  });
  try {
    const afterWrite = (revision: number) => sync.waitForRevision(revision);
    const access = createAccess(store, { afterWrite });
    const identity = createIdentity(store, { ...options.identity, hooks: access.identityHooks, afterWrite });
    const audit = new AuditLog(store);

    let firstAdmin: ControlPlane['firstAdmin'];
    if ((await identity.users.list({ limit: 1 })).items.length === 0) {
      const generated = options.adminPassword === undefined;
      const password = options.adminPassword ?? randomBytes(18).toString('base64url');
      await identity.users.create({ name: FIRST_ADMIN, password, admin: true, fullName: 'Administrator' });
      firstAdmin = { username: FIRST_ADMIN, password, generated };
      logger.info({ user: FIRST_ADMIN }, 'created the first administrator');
    }

    const pki = await openClusterPki({
      dataDir: options.dataDir,
      listenHost: options.host,
      sans: options.sans ?? [],
    });
    const server = await startControllerServer({
      host: options.host,
      port: options.port,
      tls: await pki.issueServerCertificate(),
      renewCertificate: () => pki.issueServerCertificate(),
      handlers: buildHandlers({
        identity,
        access,
        sync,
        audit,
        clusterCaPem: pki.clusterCa.certPem,
        version: options.version,
      }),
      authenticate: async (token) => {
        const { user } = await identity.authenticate(token);
        return { name: user.name, admin: user.admin, token };
      },
      audit,
      logger,
    });
    return {
      url: server.url,
      port: server.port,
      clusterCaPem: pki.clusterCa.certPem,
      clusterCaFingerprint: pki.clusterCaFingerprint,
      ...(firstAdmin ? { firstAdmin } : {}),
      close: async () => {
        await server.close();
        await sync.close();
      },
    };
  } catch (err) {
    await sync.close();
    throw err;
  }
}
