/**
 * The node agent, the one long-running Stevedore process a worker needs. Every tick (2 s) it reads its
 * engine's swarm role (a `docker node promote` shows there first), asks the reconciler what to change,
 * has the supervisor do it, and writes its status file; every report interval (10 s) it reports in to the
 * manager with its node certificate and the state of its components; when a third of its certificate's
 * life is left it renews it from a new key. A manager refusing the certificate (the node was removed) is
 * logged on every report: the agent keeps the engine proxy down then, as the node is no member.
 *
 * Status: `<dataDir>/agent/status.json` (`stevedore status` reads it); the pid in `<dataDir>/agent/agent.pid`.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  ManagerClient,
  readNodeMembership,
  replaceNodeCertificate,
  type NodeMembership,
} from '@stevedore/cluster';
import type { EngineClient, EngineInfo } from '@stevedore/engine';
import { FailedPreconditionError, isUnauthenticated } from '@stevedore/errors';
import { createKeyAndCsr, needsRenewal } from '@stevedore/pki';
import { desiredComponents, reconcile, type NodeRole } from './reconcile.js';
import { Supervisor, type ComponentRunner, type ComponentStatus } from './supervisor.js';

export interface AgentOptions {
  readonly dataDir: string;
  readonly engine: EngineClient;
  readonly runner: ComponentRunner;
  readonly version: string;
  readonly tickMs?: number;
  readonly reportEveryMs?: number;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

export interface AgentStatus {
  readonly nodeId: string;
  readonly hostname: string;
  readonly role: NodeRole;
  readonly manager: string;
  readonly swarmNodeId: string | undefined;
  readonly pid: number;
  readonly components: readonly ComponentStatus[];
  readonly lastReportAt: string | undefined;
  readonly lastReportError: string | undefined;
  readonly certificateExpiresAt: string;
  readonly updatedAt: string;
}

export const agentDir = (dataDir: string) => join(dataDir, 'agent');
export const agentStatusFile = (dataDir: string) => join(agentDir(dataDir), 'status.json');

async function writeAtomically(file: string, value: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, value, { mode: 0o600 });
  await rename(temp, file);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export async function runAgent(options: AgentOptions): Promise<void> {
  const { dataDir, engine, log, signal } = options;
  let membership: NodeMembership | undefined = await readNodeMembership(dataDir);
  if (!membership) {
    throw new FailedPreconditionError(
      `this machine has not joined a cluster (no ${join(dataDir, 'node')}): run stevedore join first`,
    );
  }
  await mkdir(agentDir(dataDir), { recursive: true, mode: 0o700 });
  await writeFile(join(agentDir(dataDir), 'agent.pid'), String(process.pid));
  const tickMs = options.tickMs ?? 2_000;
  const reportEveryMs = options.reportEveryMs ?? 10_000;
  let wake: (() => void) | undefined;
  const supervisor = new Supervisor(options.runner, Date.now, () => wake?.());
  const client = () => new ManagerClient(new URL(membership!.state.manager), membership!.caPem, membership);
  let role: NodeRole = membership.state.role;
  let swarmNodeId: string | undefined;
  let member = true;
  let lastReportAt: number | undefined;
  let lastReportError: string | undefined;
  const logged = new Map<string, string>();
  let reporting: Promise<void> | undefined;

  const report = async () => {
    // `stevedore join` may have renewed the membership (a node that was removed and joined again).
    membership = (await readNodeMembership(dataDir).catch(() => undefined)) ?? membership;
    try {
      await client().call('POST', '/api/v1/cluster/agent/report', {
        ...(swarmNodeId ? { swarmNodeId } : {}),
        agentVersion: options.version,
        role,
        components: supervisor.status(),
      });
      if (!member) log('the manager accepts this node again');
      member = true;
      lastReportError = undefined;
    } catch (err) {
      lastReportError = err instanceof Error ? err.message : String(err);
      if (isUnauthenticated(err)) member = false;
      log(`report to ${membership!.state.manager} failed: ${lastReportError}`);
    }
    lastReportAt = Date.now();
  };

  const renewIfDue = async () => {
    if (!needsRenewal(membership!.certPem)) return;
    const { keyPem, csrPem } = await createKeyAndCsr(membership!.state.nodeId);
    const { certificate } = await client().call<{ certificate: string }>(
      'POST',
      '/api/v1/cluster/agent/certificate',
      { csr: csrPem },
    );
    await replaceNodeCertificate(dataDir, keyPem, certificate);
    membership = (await readNodeMembership(dataDir))!;
    log('renewed the node certificate');
    // The engine proxy serves the node certificate: it restarts with the new one.
    supervisor.apply([{ type: 'restart', component: 'engine-proxy', reason: 'new node certificate' }]);
  };

  try {
    while (!signal.aborted) {
      const info = await engine.json<EngineInfo>('GET', '/info', { timeoutMs: 5_000 }).catch(() => undefined);
      if (info?.Swarm.LocalNodeState === 'active') {
        swarmNodeId = info.Swarm.NodeID;
        role = info.Swarm.ControlAvailable ? 'manager' : 'worker';
      }
      const desired = member
        ? desiredComponents(role).filter((name) => options.runner.names.includes(name))
        : [];
      const actions = reconcile(desired, supervisor.observe(), Date.now());
      for (const action of actions) {
        if (action.type !== 'wait') log(`${action.component}: ${action.type} (${action.reason})`);
      }
      supervisor.apply(actions);
      for (const c of supervisor.status()) {
        const seen = `${c.state} ${c.pid ?? ''} ${c.lastError ?? ''}`;
        if (logged.get(c.name) !== seen) {
          logged.set(c.name, seen);
          log(
            `${c.name}: ${c.state}${c.pid !== undefined ? ` (pid ${c.pid})` : ''}${c.lastError && c.state !== 'running' ? `; last error: ${c.lastError}` : ''}`,
          );
        }
      }
      // The network never holds the tick: a report (and a renewal) runs beside it, one at a time, so a
      // manager that does not answer delays neither the restart of a component nor the status file.
      if (!reporting && (lastReportAt === undefined || Date.now() - lastReportAt >= reportEveryMs)) {
        lastReportAt = Date.now();
        reporting = report()
          .then(() => renewIfDue())
          .catch((err: unknown) =>
            log(`renewing the node certificate failed: ${err instanceof Error ? err.message : String(err)}`),
          )
          .finally(() => {
            reporting = undefined;
          });
      }
      const status: AgentStatus = {
        nodeId: membership.state.nodeId,
        hostname: hostname(),
        role,
        manager: membership.state.manager,
        swarmNodeId,
        pid: process.pid,
        components: supervisor.status(),
        lastReportAt: lastReportAt !== undefined ? new Date(lastReportAt).toISOString() : undefined,
        lastReportError,
        certificateExpiresAt: new Date(new X509Certificate(membership.certPem).validTo).toISOString(),
        updatedAt: new Date().toISOString(),
      };
      await writeAtomically(agentStatusFile(dataDir), JSON.stringify(status, null, 2)).catch((err: unknown) =>
        log(
          `could not write ${agentStatusFile(dataDir)}: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
      await new Promise<void>((resolve) => {
        wake = resolve;
        void sleep(tickMs, signal).then(resolve);
      });
      wake = undefined;
    }
  } finally {
    await supervisor.stopAll();
    await reporting;
  }
}
