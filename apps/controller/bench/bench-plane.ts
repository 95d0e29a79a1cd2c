/**
 * The control plane a benchmark's child process runs (token-service-process.ts, cluster-plane-process.ts):
 * over a SQLite Store in `dataDir`, as `stevedore up` runs it, on a free loopback port, with warnings only
 * in its log and a first administrator with a fresh random password.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pino } from 'pino';
import { openSqliteStore, type Store } from '@stevedore/store';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../src/index.js';

export async function startBenchPlane(
  dataDir: string,
  extra: Partial<ControlPlaneOptions> = {},
): Promise<{ plane: ControlPlane; store: Store; password: string }> {
  const password = randomBytes(18).toString('base64url');
  const store = openSqliteStore({ path: join(dataDir, 'store.db') });
  const plane = await startControlPlane({
    store,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'warn' }),
    version: 'bench',
    adminPassword: password,
    ...extra,
  });
  return { plane, store, password };
}
