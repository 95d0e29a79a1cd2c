/** A control plane for REST tests: loopback, a free port, silent logs, a cheap KDF, a known admin. */
import { pino } from 'pino';
import type { Store } from '@stevedore/store';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../src/index.js';

export const TEST_ADMIN_PASSWORD = 'correct horse battery staple';

export function startTestPlane(
  store: Store,
  dataDir: string,
  extra: Partial<ControlPlaneOptions> = {},
): Promise<ControlPlane> {
  return startControlPlane({
    store,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    version: 'test',
    adminPassword: TEST_ADMIN_PASSWORD,
    identity: { kdf: { log2N: 10 } },
    ...extra,
  });
}
