/**
 * A real controller for the dashboard's end-to-end tests: the control plane over a memory store on a free
 * loopback port, with a cheap KDF and a short login lockout, serving the built dashboard from dist/
 * (built here first when it is missing).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { startControlPlane, type ControlPlane } from '@stevedore/controller';
import { createMemoryStore } from '@stevedore/store';

export const ADMIN_PASSWORD = 'correct horse battery staple';
const dashboardDir = fileURLToPath(new URL('..', import.meta.url));

/** Builds apps/dashboard/dist with Vite unless it is there already (STEVEDORE_DASHBOARD_REBUILD=1 forces it). */
export async function ensureDashboardBuilt(): Promise<void> {
  if (existsSync(join(dashboardDir, 'dist', 'index.html')) && !process.env['STEVEDORE_DASHBOARD_REBUILD'])
    return;
  await promisify(execFile)('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: dashboardDir });
}

export interface TestController {
  readonly url: string;
  readonly plane: ControlPlane;
  close(): Promise<void>;
}

/** `dockerHost`: the engine the Docker API proxy forwards to (a private testkit engine), if any. */
export async function startTestController(options: { dockerHost?: string } = {}): Promise<TestController> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stevedore-dashboard-'));
  const store = createMemoryStore();
  const plane = await startControlPlane({
    store,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    version: 'test',
    adminPassword: ADMIN_PASSWORD,
    // The renewal check runs often, so the Jobs page has jobs to show within the test.
    certificateCheckSeconds: 2,
    identity: { kdf: { log2N: 10 }, throttle: { maxFailures: 3, lockoutSeconds: 2 } },
    ...(options.dockerHost !== undefined ? { dockerHost: options.dockerHost } : {}),
  });
  return {
    url: plane.url,
    plane,
    close: async () => {
      await plane.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
