/**
 * The platform the proxy benchmark runs on (test/docker/platform.ts, shared with the Docker API tests): a
 * single-node swarm engine (testkit; never the machine's own daemon), the control plane started in this
 * process over a SQLite Store in its data dir (or the tests' memory Store) with its Docker API proxy
 * pointed at that engine, and one non-admin user, alice, holding Full Control on /Shared/bench, with a
 * client bundle downloaded from `GET /api/clientbundle` (kept in memory: the load client needs only its
 * three PEMs). `bundleOf` downloads any other user's the same way (the administrator's, the viewer's of
 * access-model-seed.ts).
 *
 * `stop()` closes the plane, stops the engine and removes the data dir; it is safe after a partial start.
 */
import { join } from 'node:path';
import { strFromU8 } from 'fflate';
import { openSqliteStore, type Store } from '@stevedore/store';
import type { DockerEngine } from '@stevedore/testkit';
import type { ControlPlane } from '../src/index.js';
import { IMAGE, PASSWORD, startPlatform } from '../test/docker/platform.js';

export { IMAGE };
export const COLLECTION = '/Shared/bench';
export const BENCH_LABELS = { 'io.stevedore.collection': COLLECTION } as const;

export interface ClientBundle {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface BenchPlatform {
  readonly engine: DockerEngine;
  readonly plane: ControlPlane;
  /** The control plane's data dir (its PKI: floor-proxy.ts issues itself a certificate there). */
  readonly dataDir: string;
  /** alice's bundle: a non-admin, so lists go through the proxy's filtering. */
  readonly bundle: ClientBundle;
  /** A REST call as the administrator that must succeed. */
  readonly asAdmin: (method: string, path: string, body?: unknown) => Promise<void>;
  /** A fresh client bundle of `user` (whose password is the platform's). */
  readonly bundleOf: (user: string) => Promise<ClientBundle>;
}

/**
 * The controller's Store: SQLite in the data dir, as `stevedore up` runs by default; or the memory Store
 * the tests use, which holds everything (and every audit entry the bench writes) in the controller's heap.
 */
export type BenchStore = 'sqlite' | 'memory';

/** Starts everything, runs `body`, and tears everything down whatever `body` does. */
export async function withBenchPlatform<T>(
  storeKind: BenchStore,
  body: (platform: BenchPlatform) => Promise<T>,
): Promise<T> {
  let store: Store | undefined;
  const platform = await startPlatform('0.1.0-bench', {
    ...(storeKind === 'sqlite'
      ? { store: (dataDir: string) => (store = openSqliteStore({ path: join(dataDir, 'store.db') })) }
      : {}),
  });
  try {
    await platform.asAdmin('POST', '/api/v1/users', { name: 'alice', password: PASSWORD });
    await platform.asAdmin('POST', '/api/v1/collections', { path: COLLECTION });
    await platform.asAdmin('POST', '/api/v1/grants', {
      subject: { kind: 'user', id: 'alice' },
      roleId: 'full-control',
      collection: COLLECTION,
    });
    // Plain containers run on the engine's node: alice may schedule there (Full Control on its collection).
    const nodeId = (await platform.engine.docker(['node', 'ls', '-q'])).stdout.trim();
    await platform.engine.docker([
      'node',
      'update',
      '--label-add',
      `io.stevedore.collection=${COLLECTION}`,
      nodeId,
    ]);
    const bundleOf = async (user: string): Promise<ClientBundle> => {
      const files = await platform.bundleOf(await platform.login(user));
      const pem = (name: string): string => {
        const bytes = files[name];
        if (!bytes) throw new Error(`the client bundle has no ${name}`);
        return strFromU8(bytes);
      };
      return { caPem: pem('ca.pem'), certPem: pem('cert.pem'), keyPem: pem('key.pem') };
    };
    const { engine, plane, asAdmin, dataDir } = platform;
    return await body({ engine, plane, dataDir, bundle: await bundleOf('alice'), asAdmin, bundleOf });
  } finally {
    await platform.stop().catch((err: unknown) => console.error('stopping the platform failed:', err));
    await store?.close();
  }
}
