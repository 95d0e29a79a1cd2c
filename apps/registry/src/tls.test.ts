import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { MemoryBlobDriver } from '@stevedore/blobstore';
import { createMemoryStore } from '@stevedore/store';
import { startRegistry } from './server.js';

describe('registry over TLS', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stevedore-registry-tls-'));
    // A throwaway self-signed certificate for 127.0.0.1 (openssl ships with Debian).
    await promisify(execFile)('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    ]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('serves /v2/ over HTTPS with the given certificate', async () => {
    const running = await startRegistry({
      listen: '127.0.0.1:0',
      store: createMemoryStore(),
      driver: new MemoryBlobDriver(),
      tlsCert: join(dir, 'cert.pem'),
      tlsKey: join(dir, 'key.pem'),
      logger: pino({ level: 'silent' }),
    });
    try {
      assert.match(running.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = await readFile(join(dir, 'cert.pem'));
      const status = await new Promise<number | undefined>((resolve, reject) => {
        get(`${running.url}/v2/`, { ca, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on('error', reject);
      });
      assert.equal(status, 200);
    } finally {
      await running.close();
    }
  });
});
