/**
 * Token issuance per second at concurrency 16 against the controller's `/auth/token` (the registry token
 * service), as docker asks for tokens: `GET /auth/token?service=…&scope=…` with HTTP Basic credentials, over
 * HTTPS with keep-alive. Two rows: with an access token limited to registry use as the password (CI
 * systems, robot accounts), and with the account's password (`docker login` with a password), which pays
 * the password hash on every request. There is no reference column: Debian ships no token service.
 *
 * The control plane runs as a child process (apps/controller/bench/token-service-process.ts), since the
 * controller depends on this app and not the other way round.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '@stevedore/errors';
import { startLineChild } from '@stevedore/testkit';
import { Endpoint, expectStatus, repeatFor } from './http-load.js';
import { row } from './report.js';
import type { Row } from './report.js';

const ENTRY = fileURLToPath(new URL('../../controller/bench/token-service-process.ts', import.meta.url));

interface TokenService {
  readonly url: string;
  readonly caPem: string;
  readonly service: string;
  readonly user: string;
  readonly password: string;
  readonly accessToken: string;
}

export function tokenIssuanceRowNames(): readonly [string, string] {
  return [
    'token issuance (/auth/token), access token, concurrency 16',
    'token issuance (/auth/token), password, concurrency 16',
  ];
}

async function startTokenService(
  dataDir: string,
): Promise<{ service: TokenService; pid: number; stop(): Promise<void> }> {
  const child = await startLineChild('the control plane', ENTRY, [dataDir]);
  return { service: JSON.parse(child.line) as TokenService, pid: child.pid, stop: () => child.stop() };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function tokenIssuanceRows(options: {
  readonly parentDir: string;
  readonly rateMs: number;
  readonly wanted: (name: string) => boolean;
  readonly onStarted: (stop: () => Promise<void>) => void;
}): Promise<Row[]> {
  const names = tokenIssuanceRowNames();
  const dataDir = join(options.parentDir, 'controller');
  await mkdir(dataDir);
  const started = await startTokenService(dataDir);
  options.onStarted(() => started.stop());
  const { service } = started;
  const e = new Endpoint('token service', service.url, { ca: service.caPem });
  const query = `/auth/token?service=${encodeURIComponent(service.service)}&scope=${encodeURIComponent(
    `repository:${service.user}/bench:pull,push`,
  )}`;
  const rows: Row[] = [];
  for (const [i, secret] of [service.accessToken, service.password].entries()) {
    const name = names[i]!;
    if (!options.wanted(name)) continue;
    const authorization = `Basic ${Buffer.from(`${service.user}:${secret}`).toString('base64')}`;
    const issue = async (): Promise<void> => {
      const res = await e.request(query, { method: 'GET', headers: { authorization }, keepBody: true });
      expectStatus(res, 200, 'GET /auth/token', e);
      const { token } = JSON.parse(res.body.toString('utf8')) as { token?: string };
      if (!token) throw new InternalError(`/auth/token answered no token: ${res.body.toString('utf8')}`);
    };
    // Untimed: the controller's hot path warms first.
    await repeatFor(options.rateMs / 2, 16, issue);
    const rates: number[] = [];
    for (let round = 0; round < 4; round++) {
      e.fresh();
      const t0 = performance.now();
      const done = await repeatFor(options.rateMs, 16, issue);
      rates.push(done / ((performance.now() - t0) / 1000));
    }
    rows.push(row(name, 'tokens/s', median(rates), Number.NaN));
  }
  e.close();
  return rows;
}
