/**
 * Jobs through the REST API, and the first job kind that uses them: renewal of the controllers' shared
 * server certificate, which a controller serves without a restart once the cluster's job has renewed it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { issueCertificate, sealWithCaKey } from '@stevedore/pki';
import { createMemoryStore, type Store } from '@stevedore/store';
import type { ControlPlane } from '../src/index.js';
import { startTestPlane, TEST_ADMIN_PASSWORD as ADMIN_PASSWORD } from './test-plane.js';
import { SERVER_CERTIFICATE_KEY } from '../src/server-certificate.js';
import { apiClient } from './api-client.js';

const DAY_MS = 24 * 60 * 60 * 1000;

interface Job {
  kind: string;
  id: string;
  state: string;
  attempts: number;
  history: { runner: string }[];
}

/** The certificate a controller presents to a new connection. */
function servedCertificate(port: number, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert) resolve(cert);
      else reject(new Error('no peer certificate'));
    });
    socket.on('error', reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('jobs over the REST API, and certificate renewal as a cluster job', () => {
  let dataDir: string;
  let store: Store;
  let first: ControlPlane;
  let second: ControlPlane | undefined;
  let admin: string;
  const start = () => startTestPlane(store, dataDir, { certificateCheckSeconds: 1 });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'stevedore-jobs-api-'));
    store = createMemoryStore();
    first = await start();
    const res = await apiClient(first.url, first.clusterCaPem)('POST', '/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    admin = res.json<{ auth_token: string }>().auth_token;
  });
  after(async () => {
    await second?.close();
    await first?.close();
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists the renewal jobs the schedule made, to administrators only, and 404s an unknown job', async () => {
    const call = apiClient(first.url, first.clusterCaPem);
    const done = await until('a finished renewal job', async () => {
      const res = await call('GET', '/api/v1/jobs?kind=controller.renew-certificate', { token: admin });
      assert.equal(res.status, 200, res.text);
      return res.json<{ items: Job[] }>().items.find((j) => j.state === 'succeeded');
    });
    assert.equal(done.attempts, 1);
    // The daily pruning of finished jobs runs its first slot at start; nothing is a week old yet.
    const pruned = await until('the first pruning', async () => {
      const res = await call('GET', '/api/v1/jobs?kind=jobs.prune&state=succeeded', { token: admin });
      return res.json<{ items: (Job & { result?: unknown })[] }>().items[0];
    });
    assert.deepEqual(pruned.result, { deleted: 0 });
    assert.equal(done.history.length, 1);
    const one = await call('GET', `/api/v1/jobs/${done.id}`, { token: admin });
    assert.equal(one.json<Job>().id, done.id);
    assert.equal((await call('GET', '/api/v1/jobs/zz1x2c3v4-0a1b2c3d4e', { token: admin })).status, 404);
    const malformed = await call('GET', '/api/v1/jobs/no-such-job', { token: admin });
    assert.equal(malformed.status, 400);
    assert.match(malformed.text, /is not a job id/);
    assert.equal((await call('GET', '/api/v1/jobs?state=exploded', { token: admin })).status, 400);
    assert.equal(
      (
        await call('POST', '/api/v1/users', {
          token: admin,
          body: { name: 'alice', password: 'alice-password-1' },
        })
      ).status,
      201,
    );
    const alice = (
      await call('POST', '/auth/login', { body: { username: 'alice', password: 'alice-password-1' } })
    ).json<{ auth_token: string }>().auth_token;
    assert.equal((await call('GET', '/api/v1/jobs', { token: alice })).status, 403);
    assert.equal((await call('GET', `/api/v1/jobs/${done.id}`, { token: alice })).status, 404);
  });

  it('renews a certificate that is due, and every controller serves the new one without a restart', async () => {
    const ca = first.clusterCaPem;
    const initial = await servedCertificate(first.port, ca);
    // What a controller would hold 70 days after it started: a third of the 90 days is left no longer.
    const clusterCa = {
      certPem: ca,
      keyPem: await readFile(join(dataDir, 'pki', 'cluster-root-ca-key.pem'), 'utf8'),
    };
    const stored = await store.get(SERVER_CERTIFICATE_KEY);
    const { names } = JSON.parse(stored!.value) as { names: string[] };
    assert.ok(names.includes('localhost') && names.includes('127.0.0.1'), names.join());
    const old = await issueCertificate(clusterCa, {
      commonName: 'stevedore-controller',
      sans: names,
      usage: 'server',
      validityDays: 90,
      now: new Date(Date.now() - 70 * DAY_MS),
    });
    const oldSerial = new X509Certificate(old.certPem).serialNumber;
    await store.put(
      SERVER_CERTIFICATE_KEY,
      JSON.stringify({
        certPem: old.certPem,
        sealedKey: sealWithCaKey(clusterCa.keyPem, 'controller server key', old.keyPem),
        names,
      }),
    );
    const renewed = await until('a renewed certificate', async () => {
      const cert = await servedCertificate(first.port, ca).catch(() => undefined);
      return cert && ![initial.serialNumber, oldSerial].includes(cert.serialNumber) ? cert : undefined;
    });
    assert.ok(Date.parse(renewed.validTo) - Date.now() > 80 * DAY_MS, renewed.validTo);
    second = await start();
    assert.equal((await servedCertificate(second.port, ca)).serialNumber, renewed.serialNumber);
  });
});
