/**
 * Test support: a cluster as a user builds it, on nodes of one machine (testkit's startNodes: a network
 * namespace, a private engine and a private /etc/docker/certs.d each). `stevedore up` makes node 0 the
 * first manager; `join` runs `stevedore join` on another node with a token the API hands out. The REST
 * API is asked as the first administrator, over TLS checked against the cluster CA.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { startNodes, type ClusterNode, type ClusterNodes } from '@stevedore/testkit';
import { STEVEDORE_BIN } from './up-process.js';

export const ADMIN_PASSWORD = 'first-admin-password';

export interface Answer {
  status: number;
  text: string;
  json<T>(): T;
}

export interface AgentStatus {
  agentRunning: boolean;
  role: string;
  swarmNodeId?: string;
  lastReportError?: string;
  components?: { name: string; state: string; pid?: number; restarts: number }[];
}

export interface ManagedCluster {
  readonly nodes: ClusterNodes;
  readonly managerUrl: string;
  readonly caPem: string;
  /** What `stevedore up` printed so far. */
  upOutput(): string;
  dataDirOf(node: ClusterNode): string;
  /** A REST call as the first administrator (or with `token`). */
  api(method: string, path: string, body?: unknown, token?: string): Promise<Answer>;
  workerToken(): Promise<string>;
  /** `stevedore join` on `node`; without `agent`, with --no-agent. */
  join(
    node: ClusterNode,
    token: string,
    options?: { url?: string; extra?: readonly string[]; agent?: boolean },
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
  status(node: ClusterNode): Promise<AgentStatus>;
  /** `stevedore join` with its agent, then `waitServing`. */
  joinServing(node: ClusterNode, token: string): Promise<void>;
  /** Waits until the manager has the node agent's report of a running engine proxy (a member engine). */
  waitServing(node: ClusterNode): Promise<void>;
  /** A client bundle for `token`, unpacked into `dir` (env.sh, ca.pem, cert.pem, key.pem). */
  clientBundle(dir: string, token: string): Promise<string>;
  stop(): Promise<void>;
}

/** Polls `probe` every 200 ms until it gives a value; its failures count as "not yet". */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function waitForUp(up: ChildProcess, output: { out: string; err: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stevedore up did not come up:\n${output.out}\n${output.err}`)),
      120_000,
    );
    const exited = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`stevedore up exited with ${code}:\n${output.out}\n${output.err}`));
    };
    // Once: what up prints later (as it stops) must not touch the listeners stop() adds.
    const printed = () => {
      if (!output.out.includes('Press Ctrl-C to stop.')) return;
      clearTimeout(timer);
      up.stdout?.off('data', printed);
      up.off('exit', exited);
      resolve();
    };
    up.stdout?.on('data', printed);
    up.on('exit', exited);
  });
}

export async function startManagedCluster(
  count: number,
  options: { prefix: string },
): Promise<ManagedCluster> {
  const nodes = await startNodes(count);
  const dataRoot = await mkdtemp(join(tmpdir(), options.prefix));
  const dataDirOf = (node: ClusterNode) => join(dataRoot, node.name);
  const manager = nodes.manager;
  const output = { out: '', err: '' };
  const up = manager.spawn(
    process.execPath,
    [
      STEVEDORE_BIN,
      'up',
      '--data-dir',
      dataDirOf(manager),
      '--docker-host',
      manager.engine.host,
      '--advertise-addr',
      manager.address,
    ],
    { env: { STEVEDORE_ADMIN_PASSWORD: ADMIN_PASSWORD } },
  );
  up.stdout?.setEncoding('utf8').on('data', (d: string) => (output.out += d));
  up.stderr?.setEncoding('utf8').on('data', (d: string) => (output.err += d));
  const stop = async () => {
    if (up.exitCode === null) {
      const exited = new Promise((r) => up.once('exit', r));
      up.kill('SIGINT');
      await exited;
    }
    // The agents `stevedore join` started in the background (their components end with them).
    for (const node of nodes.nodes) {
      const pid = Number(await readFile(join(dataDirOf(node), 'agent', 'agent.pid'), 'utf8').catch(() => ''));
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // gone already
        }
      }
    }
    await nodes.stopAll();
    await rm(dataRoot, { recursive: true, force: true });
  };
  try {
    await waitForUp(up, output);
  } catch (err) {
    await stop();
    throw err;
  }
  const caPem = await readFile(join(dataDirOf(manager), 'pki', 'cluster-root-ca.pem'), 'utf8');
  const managerUrl = `https://${manager.address}:8443`;
  const session: { admin?: string } = {};
  const api = (method: string, path: string, body?: unknown, token = session.admin): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, managerUrl),
        {
          method,
          ca: caPem,
          headers: {
            ...(payload ? { 'content-type': 'application/json' } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text, json: <T>() => JSON.parse(text) as T }),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const login = await api('POST', '/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  assert.equal(login.status, 200, login.text);
  session.admin = login.json<{ auth_token: string }>().auth_token;
  const joinNode: ManagedCluster['join'] = (node, token, joinOptions = {}) =>
    node.run(
      process.execPath,
      [
        STEVEDORE_BIN,
        'join',
        '--token',
        token,
        '--data-dir',
        dataDirOf(node),
        '--docker-host',
        node.engine.host,
        ...(joinOptions.agent ? [] : ['--no-agent']),
        ...(joinOptions.extra ?? []),
        joinOptions.url ?? managerUrl,
      ],
      { timeoutMs: 120_000 },
    );
  const statusOf: ManagedCluster['status'] = async (node) => {
    const out = await node.run(process.execPath, [
      STEVEDORE_BIN,
      'status',
      '--json',
      '--data-dir',
      dataDirOf(node),
    ]);
    return JSON.parse(out.stdout) as AgentStatus;
  };
  const waitServing = async (node: ClusterNode): Promise<void> => {
    const { swarmNodeId } = await until(`${node.name}'s agent reporting`, async () => {
      const s = await statusOf(node);
      return s.swarmNodeId ? s : undefined;
    });
    await until(
      `${node.name} serving its engine`,
      async () => {
        const answer = await api('GET', `/api/v1/nodes/${swarmNodeId}/components`);
        const body = answer.json<{ components: { name: string; state: string }[]; stale: boolean }>();
        const proxy = body.components.find((c) => c.name === 'engine-proxy');
        return !body.stale && proxy?.state === 'running' ? true : undefined;
      },
      90_000,
    );
  };
  return {
    nodes,
    managerUrl,
    caPem,
    upOutput: () => output.out,
    dataDirOf,
    api,
    workerToken: async () =>
      (await api('GET', '/api/v1/cluster/join-tokens')).json<{ worker: string }>().worker,
    join: joinNode,
    status: statusOf,
    joinServing: async (node, token) => {
      const joined = await joinNode(node, token, { agent: true });
      assert.equal(joined.code, 0, `${joined.stdout}\n${joined.stderr}`);
      await waitServing(node);
    },
    waitServing,
    clientBundle: async (dir, token) => {
      const zip = await new Promise<Buffer>((resolve, reject) => {
        const req = request(
          new URL('/api/clientbundle', managerUrl),
          { ca: caPem, headers: { authorization: `Bearer ${token}` } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              res.statusCode === 200
                ? resolve(Buffer.concat(chunks))
                : reject(new Error(`client bundle: ${res.statusCode} ${Buffer.concat(chunks).toString()}`)),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });
      for (const [file, bytes] of Object.entries(unzipSync(zip))) {
        if (file.endsWith('/')) continue;
        await mkdir(join(dir, file, '..'), { recursive: true });
        await writeFile(join(dir, file), bytes, { mode: 0o600 });
      }
      return dir;
    },
    stop,
  };
}
