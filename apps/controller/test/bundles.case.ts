/**
 * Client bundles end to end, as a user would use them: download, unzip, source env.sh, import into the
 * docker CLI, list, revoke. Runs inside api.case.ts's suite (so on memory, SQLite and etcd), with `alice`
 * already created there as an ordinary user.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { createIdentity } from '@stevedore/identity';
import { publicKeyIdOf } from '@stevedore/pki';
import type { Store } from '@stevedore/store';
import { ensureBinary, runDockerCli } from '@stevedore/testkit';
import type { ControlPlane } from '../src/index.js';
import type { apiClient, ApiResponse } from './api-client.js';

export interface BundleFixture {
  readonly plane: ControlPlane;
  readonly call: ReturnType<typeof apiClient>;
  readonly store: Store;
  readonly dataDir: string;
  readonly admin: string;
  readonly alice: () => Promise<string>;
  readonly lifetimeDays: number;
}

const FILES = ['ca.pem', 'cert.pem', 'key.pem', 'cert.pub', 'env.sh', 'env.ps1', 'env.cmd'];
const CONTEXT_FILES = ['meta.json', 'tls/docker/ca.pem', 'tls/docker/cert.pem', 'tls/docker/key.pem'];
const DAY = 86_400_000;
const run = promisify(execFile);
const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const hostIn = (meta: Uint8Array | undefined) =>
  (JSON.parse(decode(meta)) as { Endpoints: { docker: { Host: string } } }).Endpoints.docker.Host;
type Listed = { items: { id: string; label: string; keyId: string; expiresAt: string }[] };

export function bundleCases(get: () => BundleFixture): void {
  const ok = (res: ApiResponse, status = 200) => {
    assert.equal(res.status, status, `${res.status}: ${res.text}`);
    return res;
  };
  const download = async (token: string, query = '', extra: Parameters<BundleFixture['call']>[2] = {}) => {
    const res = ok(await get().call('GET', `/api/clientbundle${query}`, { token, ...extra }));
    assert.equal(res.headers['content-type'], 'application/zip');
    return { res, files: unzipSync(res.bytes) };
  };

  it('downloads a client bundle: a certificate for the user from the client CA, and working env.sh', async () => {
    const { plane, dataDir, alice, call, lifetimeDays } = get();
    const token = await alice();
    const { res, files } = await download(token, '?label=laptop');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="stevedore-bundle-alice.zip"');
    assert.deepEqual(Object.keys(files).sort(), [...FILES, ...CONTEXT_FILES].sort());
    const certPem = decode(files['cert.pem']);
    const cert = new X509Certificate(certPem);
    const clientCa = new X509Certificate(await readFile(join(dataDir, 'pki', 'client-root-ca.pem')));
    assert.ok(cert.verify(clientCa.publicKey), 'cert.pem is signed by the client root CA');
    assert.match(cert.subject, /^CN=alice$/m);
    const spki = cert.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(
      createPublicKey(createPrivateKey(decode(files['key.pem']))).export({ type: 'spki', format: 'pem' }),
      spki,
    );
    assert.equal(decode(files['cert.pub']), spki);
    assert.equal(decode(files['ca.pem']), plane.clusterCaPem);
    assert.equal(decode(files['tls/docker/key.pem']), decode(files['key.pem']));
    const host = `tcp://127.0.0.1:${plane.port}`;
    assert.match(decode(files['env.sh']), new RegExp(`^export DOCKER_HOST=${host}$`, 'm'));
    assert.match(decode(files['env.cmd']), new RegExp(`^set DOCKER_HOST=${host}\r$`, 'm'));
    assert.equal(hostIn(files['meta.json']), host);

    const listed = ok(await call('GET', '/api/v1/me/bundles', { token })).json<Listed>();
    const entry = listed.items.find((b) => b.keyId === publicKeyIdOf(certPem));
    assert.equal(entry?.label, 'laptop');
    const days = (Date.parse(entry.expiresAt) - Date.now()) / DAY;
    assert.ok(Math.abs(days - lifetimeDays) < 0.01, `expires in ${days} days, not ${lifetimeDays}`);

    // Unpacked with the real unzip: the key is 0600, and env.sh works from bash and plain sh.
    const dir = await mkdtemp(join(tmpdir(), 'stevedore-bundle-'));
    try {
      await writeFile(join(dir, 'bundle.zip'), res.bytes);
      await run(await ensureBinary('unzip', 'unzip'), ['-q', 'bundle.zip'], { cwd: dir });
      assert.equal((await stat(join(dir, 'key.pem'))).mode & 0o777, 0o600);
      const show =
        'printf "%s|%s|%s|%s" "$DOCKER_HOST" "$DOCKER_TLS_VERIFY" "$DOCKER_CERT_PATH" "${DOCKER_CONTEXT-none}"';
      const env = { PATH: process.env['PATH'] ?? '', DOCKER_CONTEXT: 'elsewhere' };
      const bash = await run('bash', ['-c', `source ${join(dir, 'env.sh')} && ${show}`], {
        env,
        cwd: tmpdir(),
      });
      assert.equal(bash.stdout, `${host}|1|${dir}|none`);
      const sh = await run('sh', ['-c', `. ./env.sh && ${show}`], { env, cwd: dir });
      assert.equal(sh.stdout, `${host}|1|${dir}|none`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes only a plain Host header into the scripts, and falls back to 127.0.0.1 otherwise', async () => {
    const { plane } = get();
    const token = await get().alice();
    const named = await download(token, '', {
      headers: { host: 'stevedore.example.com:9443' },
      servername: 'localhost',
    });
    assert.match(decode(named.files['env.sh']), /^export DOCKER_HOST=tcp:\/\/stevedore\.example\.com:9443$/m);
    for (const host of ['$(touch /tmp/pwned):1', 'a;b:1', 'x`id`:2', 'good.example.com:1 ; rm -rf ~']) {
      const { files } = await download(token, '', { headers: { host }, servername: 'localhost' });
      assert.match(
        decode(files['env.sh']),
        new RegExp(`^export DOCKER_HOST=tcp://127\\.0\\.0\\.1:${plane.port}$`, 'm'),
        host,
      );
      assert.equal(hostIn(files['meta.json']), `tcp://127.0.0.1:${plane.port}`);
    }
  });

  it('revokes: the list drops it, a second revoke is 404, and the certificate no longer maps to alice', async () => {
    const { call, admin, store } = get();
    const token = await get().alice();
    const { files } = await download(token);
    const keyId = publicKeyIdOf(decode(files['cert.pem']));
    const identity = createIdentity(store);
    assert.equal((await identity.bundles.lookup(keyId))?.user, 'alice');
    const listed = ok(await call('GET', '/api/v1/me/bundles', { token })).json<Listed>();
    const id = listed.items.find((b) => b.keyId === keyId)!.id;
    assert.match(listed.items.find((b) => b.id === id)!.label, /^client bundle \d{4}-\d\d-\d\dT/);
    ok(await call('DELETE', `/api/v1/me/bundles/${id}`, { token }), 204);
    assert.equal(await identity.bundles.lookup(keyId), undefined);
    assert.equal((await call('DELETE', `/api/v1/me/bundles/${id}`, { token })).status, 404);
    const audit = ok(await call('GET', '/api/v1/audit?action=bundle.revoke', { token: admin })).json<{
      items: { target: string; result: string }[];
    }>();
    assert.ok(audit.items.some((e) => e.target === `user:alice/bundle:${id}` && e.result === 'success'));

    // Administrators see and revoke anyone's bundles; alice gets 404 on their routes.
    const mine = ok(await call('GET', '/api/v1/me/bundles', { token })).json<Listed>().items;
    const theirs = ok(await call('GET', '/api/v1/users/alice/bundles', { token: admin })).json<Listed>();
    assert.deepEqual(theirs.items, mine);
    assert.equal((await call('GET', '/api/v1/users/alice/bundles', { token })).status, 404);
    assert.equal((await call('DELETE', `/api/v1/users/alice/bundles/${mine[0]!.id}`, { token })).status, 404);
    assert.equal((await call('GET', '/api/v1/users/nobody/bundles', { token: admin })).status, 404);
    for (const b of mine)
      ok(await call('DELETE', `/api/v1/users/alice/bundles/${b.id}`, { token: admin }), 204);
    assert.deepEqual(ok(await call('GET', '/api/v1/me/bundles', { token })).json(), { items: [] });
    assert.equal((await call('DELETE', `/api/v1/users/alice/bundles/${id}`, { token: admin })).status, 404);
  });

  it('gives a zip that `docker context import` takes (format=context), with the host and TLS material', async () => {
    const { plane } = get();
    const token = await get().alice();
    const { res, files } = await download(token, '?format=context');
    assert.deepEqual(Object.keys(files).sort(), [...CONTEXT_FILES].sort());
    const docker = await ensureBinary('docker', 'docker.io');
    const dir = await mkdtemp(join(tmpdir(), 'stevedore-docker-config-'));
    try {
      await writeFile(join(dir, 'context.zip'), res.bytes);
      const config = { DOCKER_CONFIG: dir };
      await runDockerCli(docker, config, ['context', 'import', 'stevedore-alice', join(dir, 'context.zip')]);
      const { stdout } = await runDockerCli(docker, config, [
        '--context',
        'stevedore-alice',
        'context',
        'inspect',
      ]);
      const [context] = JSON.parse(stdout) as {
        Endpoints: { docker: { Host: string; SkipTLSVerify: boolean } };
        TLSMaterial: { docker: string[] };
      }[];
      assert.deepEqual(context?.Endpoints.docker, {
        Host: `tcp://127.0.0.1:${plane.port}`,
        SkipTLSVerify: false,
      });
      assert.deepEqual([...context.TLSMaterial.docker].sort(), ['ca.pem', 'cert.pem', 'key.pem']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
