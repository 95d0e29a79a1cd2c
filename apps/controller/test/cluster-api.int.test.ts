/**
 * Joining the cluster over the REST API, against a real swarm engine: administrators read and rotate the
 * join tokens; a node with a token and a CSR gets its certificate and the engine's own swarm join token;
 * its agent is then known by that certificate, until the node is removed. Wrong, foreign, rotated and
 * malformed tokens are refused with the reason, and none leaves a node behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeRegistry } from '@stevedore/cluster';
import { clusterKeyPath, createKeyAndCsr } from '@stevedore/pki';
import { createMemoryStore, type Store } from '@stevedore/store';
import { startDockerEngine, type DockerEngine } from '@stevedore/testkit';
import type { ControlPlane } from '../src/index.js';
import { apiClient, type ApiResponse } from './api-client.js';
import { startTestPlane, TEST_ADMIN_PASSWORD } from './test-plane.js';

interface Tokens {
  worker: string;
  manager: string;
  managerUrl: string | null;
}
interface Joined {
  node: { id: string; role: string; hostname: string; swarmNodeId?: string };
  certificate: string;
  caCertificate: string;
  swarm: { joinToken: string; managers: string[] };
}

const errorOf = (res: ApiResponse) => res.json<{ error: { code: string; message: string } }>().error;

describe('cluster membership over the REST API', { timeout: 300_000 }, () => {
  let engine: DockerEngine;
  let store: Store;
  let dataDir: string;
  let plane: ControlPlane;
  let call: ReturnType<typeof apiClient>;
  let admin: string;
  let engineName: string;

  const login = async (username: string, password: string) =>
    (await call('POST', '/auth/login', { body: { username, password } })).json<{ auth_token: string }>()
      .auth_token;
  const tokens = async () => {
    const res = await call('GET', '/api/v1/cluster/join-tokens', { token: admin });
    assert.equal(res.status, 200, res.text);
    return res.json<Tokens>();
  };
  const csrOf = new Map<string, string>();
  const joinWith = async (token: string, hostname = 'worker-1') => {
    const { keyPem, csrPem } = await createKeyAndCsr(hostname);
    csrOf.set(keyPem, csrPem);
    const res = await call('POST', '/api/v1/cluster/join', {
      body: { token, csr: csrPem, hostname, address: '10.9.0.2' },
    });
    return { res, keyPem };
  };
  const nodeCount = async () => (await new NodeRegistry(store).list()).length;

  before(async () => {
    engine = await startDockerEngine({ swarm: true });
    store = createMemoryStore();
    dataDir = await mkdtemp(join(tmpdir(), 'stevedore-cluster-api-'));
    plane = await startTestPlane(store, dataDir, { dockerHost: engine.host });
    call = apiClient(plane.url, plane.clusterCaPem);
    admin = await login('admin', TEST_ADMIN_PASSWORD);
    engineName = (await engine.request('GET', '/info')).json<{ Name: string }>().Name;
  });
  after(async () => {
    await plane?.close();
    await store?.close();
    await engine?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('gives administrators the two tokens and the manager URL, and no one else', async () => {
    const t = await tokens();
    assert.match(t.worker, /^SDTKN-1-[0-9a-f]{64}-[0-9a-f]{40}$/);
    assert.notEqual(t.worker, t.manager);
    assert.equal(t.managerUrl, `https://127.0.0.1:${plane.port}`, "the engine's swarm address, this port");
    const created = await call('POST', '/api/v1/users', {
      token: admin,
      body: { name: 'carol', password: 'a-password-for-tests' },
    });
    assert.equal(created.status, 201, created.text);
    const carol = await login('carol', 'a-password-for-tests');
    const refused = await call('GET', '/api/v1/cluster/join-tokens', { token: carol });
    assert.equal(refused.status, 403);
    assert.equal((await call('GET', '/api/v1/cluster/join-tokens')).status, 401);
  });

  it("admits a node: its certificate for its own key, and the engine's swarm join token for its role", async () => {
    const t = await tokens();
    // The node's name is the engine's: its swarm node is what this node then claims as its own.
    const { res, keyPem } = await joinWith(t.worker, engineName);
    assert.equal(res.status, 201, res.text);
    const joined = res.json<Joined>();
    const cert = new X509Certificate(joined.certificate);
    assert.ok(cert.verify(new X509Certificate(plane.clusterCaPem).publicKey));
    assert.match(cert.subject, /OU=worker/);
    assert.equal(joined.caCertificate, plane.clusterCaPem);
    const swarm = (await engine.request('GET', '/swarm')).json<{ JoinTokens: { Worker: string } }>();
    assert.equal(joined.swarm.joinToken, swarm.JoinTokens.Worker);
    assert.ok(joined.swarm.managers.length > 0, 'where to join');

    // The agent is known by that certificate.
    const agent = { certPem: joined.certificate, keyPem };
    // A swarm node that does not exist is no one's to claim.
    const madeUp = await call('POST', '/api/v1/cluster/agent/report', {
      cert: agent,
      body: { swarmNodeId: 'no-such-swarm-node', agentVersion: 'test' },
    });
    assert.equal(madeUp.status, 412, madeUp.text);
    const swarmNodeId = (await engine.request('GET', '/info')).json<{ Swarm: { NodeID: string } }>().Swarm
      .NodeID;
    const report = await call('POST', '/api/v1/cluster/agent/report', {
      cert: agent,
      body: { swarmNodeId, agentVersion: 'test' },
    });
    assert.equal(report.status, 200, report.text);
    assert.equal(report.json<Joined>().node.swarmNodeId, swarmNodeId);
    const listed = await call('GET', '/api/v1/cluster/nodes', { token: admin });
    const node = listed.json<{ items: Joined['node'][] }>().items.find((n) => n.id === joined.node.id);
    assert.equal(node?.hostname, engineName);
    // Another member may not claim that swarm node.
    const second = await joinWith(t.worker, 'worker-2');
    const thief = await call('POST', '/api/v1/cluster/agent/report', {
      cert: { certPem: second.res.json<Joined>().certificate, keyPem: second.keyPem },
      body: { swarmNodeId, agentVersion: 'test' },
    });
    assert.equal(thief.status, 412, thief.text);
    assert.match(errorOf(thief).message, /another member's/);
    assert.equal(node?.swarmNodeId, swarmNodeId);

    const audit = await call('GET', '/api/v1/audit?action=cluster.join', { token: admin });
    const entries = audit.json<{ items: { actor: string; target: string; result: string }[] }>().items;
    assert.ok(
      entries.some((e) => e.target === `node:${joined.node.id}` && e.result === 'success'),
      audit.text,
    );
    assert.equal(audit.text.includes(t.worker), false, 'the token is not in the audit log');

    // A node certificate is no user: refused on the REST API and on the Docker API (which knows bundles only).
    const asUser = await call('GET', '/api/v1/me', { cert: agent });
    assert.equal(asUser.status, 401, asUser.text);
    const asDocker = await call('GET', '/v1.41/containers/json', { cert: agent });
    assert.equal(asDocker.status, 401, asDocker.text);
    // Its only name is the one the manager chose, not the host name or address the node sent.
    assert.equal(cert.subjectAltName, `DNS:${joined.node.id}.node.stevedore.internal`);
    // The same key cannot become a second node.
    const again = await call('POST', '/api/v1/cluster/join', {
      body: { token: t.worker, csr: csrOf.get(keyPem), hostname: 'worker-1b' },
    });
    assert.equal(again.status, 409, again.text);

    // Removed, the node's certificate is refused at once (a fresh request, as on a kept-alive connection).
    await new NodeRegistry(store).remove(joined.node.id);
    const refused = await call('POST', '/api/v1/cluster/agent/report', {
      cert: agent,
      body: { agentVersion: 'test' },
    });
    assert.equal(refused.status, 401);
    assert.match(errorOf(refused).message, /does not know this one/);
  });

  it('refuses agent calls without a node certificate', async () => {
    const res = await call('POST', '/api/v1/cluster/agent/report', {
      token: admin,
      body: { agentVersion: 'test' },
    });
    assert.equal(res.status, 401, 'a user session is not a node');
  });

  it('hands the cluster key to a manager node of the swarm only, over its certificate', async () => {
    const t = await tokens();
    const certOf = (joined: Awaited<ReturnType<typeof joinWith>>) => {
      assert.equal(joined.res.status, 201, joined.res.text);
      return { certPem: joined.res.json<Joined>().certificate, keyPem: joined.keyPem };
    };
    const receive = (cert?: { certPem: string; keyPem: string }) =>
      call('GET', '/api/v1/cluster/agent/cluster-key', cert ? { cert } : { token: admin });
    const worker = await joinWith(t.worker, 'worker-k');
    const refusedWorker = await receive(certOf(worker));
    assert.equal(refusedWorker.status, 403, refusedWorker.text);
    assert.match(errorOf(refusedWorker).message, /only a manager node/);
    assert.equal((await receive()).status, 401, "an administrator's session is no node");

    // A manager certificate whose node has not named its swarm node yet gets nothing either.
    const joinedManager = await joinWith(t.manager, engineName);
    const manager = certOf(joinedManager);
    assert.equal((await receive(manager)).status, 403);
    const swarmNodeId = (await engine.request('GET', '/info')).json<{ Swarm: { NodeID: string } }>().Swarm
      .NodeID;
    const report = await call('POST', '/api/v1/cluster/agent/report', {
      cert: manager,
      body: { swarmNodeId, agentVersion: 'test' },
    });
    assert.equal(report.status, 200, report.text);
    const got = await receive(manager);
    assert.equal(got.status, 200, got.text);
    const held = (await readFile(clusterKeyPath(join(dataDir, 'pki')), 'utf8')).trim();
    assert.equal(got.json().clusterKey, held);
    assert.equal(got.headers['cache-control'], 'no-store');
    const audit = await call('GET', '/api/v1/audit?action=cluster.cluster-key.receive', { token: admin });
    const entries = audit.json<{ items: { target: string; status: number }[] }>().items;
    const managerId = joinedManager.res.json<Joined>().node.id;
    assert.deepEqual(
      entries.map((e) => `${e.target} ${e.status}`).sort(),
      [
        '/api/v1/cluster/agent/cluster-key 401',
        `node:${managerId} 200`,
        `node:${managerId} 403`,
        `node:${worker.res.json<Joined>().node.id} 403`,
      ].sort(),
      audit.text,
    );
    assert.equal(audit.text.includes(held), false, 'the key is not in the audit log');
    for (const joined of [worker, joinedManager])
      await new NodeRegistry(store).remove(joined.res.json<Joined>().node.id);
  });

  it('refuses a wrong, a malformed, a rotated and a foreign token, each with its reason, leaving no node', async () => {
    const before = await nodeCount();
    const t = await tokens();
    const wrong = t.worker.replace(/.{4}$/, '0000');
    const swarmBefore = (await engine.request('GET', '/swarm')).json<{
      JoinTokens: { Worker: string; Manager: string };
    }>().JoinTokens;
    const malformed = 'SWMTKN-1-not-ours';
    const rotatedRes = await call('POST', '/api/v1/cluster/join-tokens/rotate', {
      token: admin,
      body: { role: 'worker' },
    });
    assert.equal(rotatedRes.status, 200, rotatedRes.text);
    assert.equal(rotatedRes.json<Tokens>().manager, t.manager, 'only the worker token was replaced');
    const swarmTokens = async () =>
      (await engine.request('GET', '/swarm')).json<{ JoinTokens: { Worker: string; Manager: string } }>()
        .JoinTokens;
    assert.notEqual((await swarmTokens()).Worker, swarmBefore.Worker, "the swarm's worker token went too");
    assert.equal((await swarmTokens()).Manager, swarmBefore.Manager);

    const otherStore = createMemoryStore();
    const otherDir = await mkdtemp(join(tmpdir(), 'stevedore-cluster-api-other-'));
    const other = await startTestPlane(otherStore, otherDir);
    try {
      const otherAdmin = (
        await apiClient(other.url, other.clusterCaPem)('POST', '/auth/login', {
          body: { username: 'admin', password: TEST_ADMIN_PASSWORD },
        })
      ).json<{ auth_token: string }>().auth_token;
      const foreign = (
        await apiClient(other.url, other.clusterCaPem)('GET', '/api/v1/cluster/join-tokens', {
          token: otherAdmin,
        })
      ).json<Tokens>().worker;
      for (const [token, status, code, pattern] of [
        [wrong, 401, 'UNAUTHENTICATED', /not valid any more/],
        [t.worker, 401, 'UNAUTHENTICATED', /rotated/],
        [malformed, 400, 'INVALID_ARGUMENT', /SDTKN-1-<64 hex digits>/],
        [foreign, 412, 'FAILED_PRECONDITION', /for another cluster/],
      ] as const) {
        const { res } = await joinWith(token);
        assert.equal(res.status, status, res.text);
        assert.equal(errorOf(res).code, code);
        assert.match(errorOf(res).message, pattern);
      }
      // The other controller manages no engine: a valid token of its own is refused before anything is issued.
      const { csrPem } = await createKeyAndCsr('w9');
      const noEngine = await apiClient(other.url, other.clusterCaPem)('POST', '/api/v1/cluster/join', {
        body: { token: foreign, csr: csrPem, hostname: 'w9' },
      });
      assert.equal(noEngine.status, 412, noEngine.text);
      assert.match(errorOf(noEngine).message, /manages no Docker Engine/);
      assert.equal((await new NodeRegistry(otherStore).list()).length, 0);
    } finally {
      await other.close();
      await otherStore.close();
      await rm(otherDir, { recursive: true, force: true });
    }
    assert.equal(await nodeCount(), before, 'no node recorded by a refused join');
  });
});
