/**
 * DOCKER_HOST forms and the docker CLI's TLS variables, read the way the CLI reads them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInvalidArgument } from '@stevedore/errors';
import { parseDockerHost } from './engine-address.js';
import { engineFromEnvironment } from './engine-env.js';

describe('Docker host addresses', () => {
  it('reads unix sockets, plain TCP and TLS', () => {
    assert.deepEqual(parseDockerHost('unix:///var/run/docker.sock'), {
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
      label: 'unix:///var/run/docker.sock',
    });
    assert.deepEqual(parseDockerHost('tcp://10.0.0.5:2375'), {
      kind: 'tcp',
      host: '10.0.0.5',
      port: 2375,
      tls: undefined,
      label: 'tcp://10.0.0.5:2375',
    });
    const ca = 'PEM';
    assert.deepEqual(parseDockerHost('tcp://engine.example:2376', { ca }), {
      kind: 'tcp',
      host: 'engine.example',
      port: 2376,
      tls: { ca },
      label: 'tcp://engine.example:2376',
    });
    const https = parseDockerHost('https://[::1]:443');
    assert.ok(https.kind === 'tcp');
    assert.deepEqual([https.host, https.port, https.tls, https.label], ['::1', 443, {}, 'https://[::1]:443']);
  });

  it("uses Docker's default ports when none is given", () => {
    const plain = parseDockerHost('tcp://engine');
    const tls = parseDockerHost('tcp://engine', { verify: true });
    assert.ok(plain.kind === 'tcp' && tls.kind === 'tcp');
    assert.equal(plain.port, 2375);
    assert.equal(tls.port, 2376);
  });

  it('refuses what is not an engine address, saying what would be', () => {
    for (const bad of ['unix://relative.sock', 'http://x:1', 'tcp://', 'tcp://x:1/path', 'docker.sock']) {
      assert.throws(
        () => parseDockerHost(bad),
        (err: Error) => {
          assert.ok(isInvalidArgument(err), bad);
          assert.match(
            err.message,
            /use unix:\/\/\/absolute\/path\.sock, tcp:\/\/HOST:PORT or https:\/\/HOST:PORT$/,
          );
          return true;
        },
      );
    }
    assert.throws(
      () => parseDockerHost('unix:///x.sock', { ca: 'PEM' }),
      /TLS applies to tcp:\/\/ addresses/,
    );
  });
});

describe("the docker CLI's environment", () => {
  it('defaults to the machine socket, and reads DOCKER_TLS_VERIFY with DOCKER_CERT_PATH', async () => {
    assert.deepEqual(engineFromEnvironment({}), { dockerHost: 'unix:///var/run/docker.sock' });
    const dir = await mkdtemp(join(tmpdir(), 'stevedore-certs-'));
    try {
      await writeFile(join(dir, 'ca.pem'), 'CA');
      const env = { DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir };
      const caOnly = engineFromEnvironment(env);
      assert.equal(caOnly.dockerHost, 'tcp://10.0.0.5:2376');
      assert.deepEqual(caOnly.tls, { verify: true, ca: Buffer.from('CA') });
      await writeFile(join(dir, 'cert.pem'), 'CERT');
      await writeFile(join(dir, 'key.pem'), 'KEY');
      assert.deepEqual(engineFromEnvironment(env).tls, {
        verify: true,
        ca: Buffer.from('CA'),
        cert: Buffer.from('CERT'),
        key: Buffer.from('KEY'),
      });
      assert.deepEqual(engineFromEnvironment({ DOCKER_TLS: '1', DOCKER_CERT_PATH: dir }).tls, {
        verify: false,
        cert: Buffer.from('CERT'),
        key: Buffer.from('KEY'),
      });
      assert.throws(
        () => engineFromEnvironment({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'none') }),
        /ca\.pem does not exist; put the engine's CA certificate there or set DOCKER_CERT_PATH/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
