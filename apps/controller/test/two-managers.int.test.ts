/**
 * Two controllers on one real three-member etcd cluster, as two managers of one cluster are: the second got the cluster key
 * (copied here by hand, as a manager's join will hand it over) and nothing else. They are one cluster:
 * the same CAs and server certificate, a session from one works on the other and a logout ends it on both,
 * five failed logins spread over both lock the name on both, and a client bundle downloaded from one
 * drives the docker CLI through the other. Both report the Store's members (`GET /api/v1/cluster/health`),
 * and losing the etcd leader leaves both serving reads and writes. A controller without the key is refused
 * with a message that says how to get it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { isFailedPrecondition } from '@stevedore/errors';
import { clusterKeyPath } from '@stevedore/pki';
import { openEtcdStore, type Store } from '@stevedore/store';
import {
  ensureBinary,
  runDockerCli,
  startDockerEngine,
  startEtcdCluster,
  type DockerEngine,
  type EtcdCluster,
} from '@stevedore/testkit';
import type { ControlPlane } from '../src/index.js';
import { pkiDirOf } from '../src/cluster-pki.js';
import { apiClient } from './api-client.js';
import { startTestPlane, TEST_ADMIN_PASSWORD } from './test-plane.js';

describe('two managers on one etcd cluster are one cluster', { timeout: 300_000 }, () => {
  let etcd: EtcdCluster;
  let engine: DockerEngine;
  let base: string;
  const stores: Store[] = [];
  const planes: ControlPlane[] = [];
  let a: ControlPlane;
  let b: ControlPlane;
  /** Logged in first: the throttle case locks this machine's address out of logging in for a while. */
  let admin: string;

  const storeOnEtcd = async () => {
    const store = await openEtcdStore({ endpoints: etcd.endpoints });
    stores.push(store);
    return store;
  };
  const callOf = (plane: ControlPlane) => apiClient(plane.url, a.clusterCaPem);
  const login = (plane: ControlPlane, username: string, password: string) =>
    callOf(plane)('POST', '/auth/login', { body: { username, password } });
  const tokenOf = async (plane: ControlPlane, username: string, password: string) => {
    const res = await login(plane, username, password);
    assert.equal(res.status, 200, res.text);
    return res.json<{ auth_token: string }>().auth_token;
  };

  before(async () => {
    [etcd, engine] = await Promise.all([startEtcdCluster(3), startDockerEngine()]);
    base = await mkdtemp(join(tmpdir(), 'stevedore-two-managers-'));
    a = await startTestPlane(await storeOnEtcd(), join(base, 'a'));
    planes.push(a);
    await mkdir(pkiDirOf(join(base, 'b')), { recursive: true });
    await copyFile(clusterKeyPath(pkiDirOf(join(base, 'a'))), clusterKeyPath(pkiDirOf(join(base, 'b'))));
    b = await startTestPlane(await storeOnEtcd(), join(base, 'b'), { dockerHost: engine.host });
    planes.push(b);
    admin = await tokenOf(a, 'admin', TEST_ADMIN_PASSWORD);
  });
  after(async () => {
    for (const plane of planes) await plane.close();
    for (const store of stores) await store.close();
    await engine?.stop();
    await etcd?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('share the CAs and the server certificate: a client trusting one trusts the other', async () => {
    assert.equal(b.clusterCaPem, a.clusterCaPem);
    // callOf trusts a's CA only: b answering over TLS at all shows b's certificate chains to it.
    const res = await callOf(b)('GET', '/_ping');
    assert.equal(res.status, 200, res.text);
  });

  it('a session from one works on the other, and a logout on either ends it on both', async () => {
    const created = await callOf(a)('POST', '/api/v1/users', {
      token: admin,
      body: { name: 'alice', password: 'alice has a long password' },
    });
    assert.equal(created.status, 201, created.text);
    const alice = await tokenOf(b, 'alice', 'alice has a long password');
    for (const plane of [a, b]) {
      const me = await callOf(plane)('GET', '/api/v1/me', { token: alice });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.json().name, 'alice');
    }
    const out = await callOf(a)('POST', '/auth/logout', { token: alice });
    assert.ok(out.status < 300, out.text);
    for (const plane of [a, b])
      assert.equal((await callOf(plane)('GET', '/api/v1/me', { token: alice })).status, 401);
  });

  it('five failed logins spread over both managers lock the name on both', async () => {
    const created = await callOf(b)('POST', '/api/v1/users', {
      token: admin,
      body: { name: 'bob', password: 'bob has a long password' },
    });
    assert.equal(created.status, 201, created.text);
    for (let i = 0; i < 5; i++) {
      const res = await login(i % 2 === 0 ? a : b, 'bob', 'not his password');
      assert.equal(res.status, 401, res.text);
    }
    for (const plane of [a, b]) {
      const locked = await login(plane, 'bob', 'bob has a long password');
      assert.equal(locked.status, 429, locked.text);
      assert.ok(Number(locked.headers['retry-after']) > 0);
    }
  });

  it('a client bundle from one manager drives the docker CLI through the other', async () => {
    const bundle = await callOf(a)('GET', '/api/clientbundle', { token: admin });
    assert.equal(bundle.status, 200, bundle.text);
    const files = unzipSync(bundle.bytes);
    const dir = join(base, 'bundle');
    await mkdir(dir, { recursive: true });
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(dir, name), files[name]!);
    const docker = await ensureBinary('docker', 'docker.io');
    const { stdout } = await runDockerCli(
      docker,
      { DOCKER_HOST: `tcp://127.0.0.1:${b.port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir },
      ['version', '--format', '{{.Server.Version}}'],
    );
    const direct = (await engine.request('GET', '/version')).json<{ Version: string }>().Version;
    assert.equal(stdout.trim(), direct);
  });

  it('both report the etcd members; losing the etcd leader leaves both serving reads and writes', async () => {
    type Health = {
      store: {
        kind: string;
        quorum: boolean;
        leader?: string;
        members: { name: string; reachable: boolean }[];
      };
    };
    const healthOf = async (plane: ControlPlane) => {
      const res = await callOf(plane)('GET', '/api/v1/cluster/health', { token: admin });
      assert.equal(res.status, 200, res.text);
      return res.json<Health>().store;
    };
    for (const plane of [a, b]) {
      const store = await healthOf(plane);
      assert.equal(store.kind, 'etcd');
      assert.equal(store.quorum, true);
      assert.deepEqual(store.members.map((m) => `${m.name} ${m.reachable}`).sort(), [
        'm0 true',
        'm1 true',
        'm2 true',
      ]);
    }
    const { leader } = await healthOf(a);
    await etcd.members.find((m) => m.name === leader)!.kill();
    // Once another member leads (the benchmark times writes through the election), nothing has changed.
    const deadline = Date.now() + 30_000;
    for (
      let h = await healthOf(b);
      !h.quorum || h.leader === undefined || h.leader === leader;
      h = await healthOf(b)
    ) {
      assert.ok(Date.now() < deadline, 'no new etcd leader within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const created = await callOf(b)('POST', '/api/v1/users', {
      token: admin,
      body: { name: 'carol', password: 'carol has a long password' },
    });
    assert.equal(created.status, 201, created.text);
    const seen = await callOf(a)('GET', '/api/v1/users/carol', { token: admin });
    assert.equal(seen.status, 200, seen.text);
    const after = await healthOf(b);
    assert.equal(after.quorum, true);
    assert.notEqual(after.leader, leader);
    assert.equal(after.members.find((m) => m.name === leader)?.reachable, false);
  });

  it('a controller without the cluster key is refused, and told how to get it', async () => {
    const err = await startTestPlane(await storeOnEtcd(), join(base, 'c')).then(
      (plane) => {
        planes.push(plane);
        assert.fail('a controller without the cluster key started');
      },
      (e: unknown) => e as Error,
    );
    assert.ok(isFailedPrecondition(err), String(err));
    assert.match(err.message, /no cluster key .*cluster-key.*manager token/);
  });
});
