/**
 * `stevedore status`: this node as its agent sees it: membership, role, components and their state, and
 * when the agent last reported to the managers. Reads the agent's status file, so it answers without the
 * network; a status file that has not moved for a while means the agent is not running, and it says so.
 */
import { readFile, stat } from 'node:fs/promises';
import { Command } from 'commander';
import { agentStatusFile, type AgentStatus } from '@stevedore/agent';
import { readNodeMembership } from '@stevedore/cluster';
import { FailedPreconditionError } from '@stevedore/errors';
import { dataDirOf } from './data-dir.js';

/** The agent rewrites its status every 2 s; 30 s without a change means it is not running. */
const STALE_MS = 30_000;

async function statusAction(flags: { dataDir?: string; json?: boolean }, command: Command): Promise<void> {
  const dataDir = await dataDirOf(command, flags.dataDir);
  const membership = await readNodeMembership(dataDir);
  if (!membership) {
    throw new FailedPreconditionError(
      `this machine is not a node of a cluster (nothing in ${dataDir}/node): run stevedore join, or stevedore up on the first manager`,
    );
  }
  const file = agentStatusFile(dataDir);
  const [text, info] = await Promise.all([
    readFile(file, 'utf8').catch(() => undefined),
    stat(file).catch(() => undefined),
  ]);
  const status = text ? (JSON.parse(text) as AgentStatus) : undefined;
  const running = info !== undefined && Date.now() - info.mtimeMs < STALE_MS;
  if (flags.json) {
    process.stdout.write(
      JSON.stringify({ nodeId: membership.state.nodeId, agentRunning: running, ...status }, null, 2) + '\n',
    );
    if (!running) process.exitCode = 3;
    return;
  }
  const lines = [
    `node:        ${membership.state.nodeId} of ${membership.state.manager}`,
    `role:        ${status?.role ?? membership.state.role}${status?.swarmNodeId ? ` (swarm node ${status.swarmNodeId})` : ''}`,
    `agent:       ${running ? `running (pid ${status?.pid})` : status ? `not running (last seen ${status.updatedAt})` : 'never ran'}`,
  ];
  if (status) {
    lines.push(
      `reported:    ${status.lastReportAt ?? 'never'}${status.lastReportError ? ` — failed: ${status.lastReportError}` : ''}`,
      `certificate: valid until ${status.certificateExpiresAt}`,
      'components:',
      ...status.components.map(
        (c) =>
          `  ${c.name.padEnd(14)} ${c.state.padEnd(9)}${c.pid !== undefined ? ` pid ${c.pid}` : ''}  restarts ${c.restarts}, since ${c.since}${c.lastError ? `; last error: ${c.lastError}` : ''}`,
      ),
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (!running) process.exitCode = 3;
}

export function statusCommand(): Command {
  return new Command('status')
    .description("this node: its role, its Stevedore components and their state (from the node's agent)")
    .option(
      '--data-dir <dir>',
      'the data dir of `stevedore join` or `up` (default /var/lib/stevedore as root)',
    )
    .option('--json', 'print the status as JSON')
    .addHelpText('after', '\nExit status 3 when the agent is not running.')
    .action(statusAction);
}
