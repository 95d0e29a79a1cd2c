/**
 * `stevedore agent`: the node agent (long-running; `stevedore join` starts it). It keeps this node's
 * components running as its role needs (@stevedore/agent: the reconciler and supervisor), reports to the
 * managers with the node certificate, and renews it. `stevedore agent component engine-proxy` is the
 * engine proxy itself, as the agent runs it (a child process of the agent).
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { ENGINE_PROXY_PORT, runAgent, startEngineProxy } from '@stevedore/agent';
import { readNodeMembership } from '@stevedore/cluster';
import { FailedPreconditionError, InvalidArgumentError } from '@stevedore/errors';
import { EngineClient } from '@stevedore/engine';
import { ensureDockerEngine } from '@stevedore/host';
import { VERSION } from '../version.js';
import { nodeComponentRunner } from './agent-runner.js';
import { dataDirOf } from './data-dir.js';

interface AgentFlags {
  dataDir?: string;
  dockerHost?: string;
  engineProxyPort?: string;
}

const stamp = () => new Date().toISOString();
const log = (line: string) => process.stdout.write(`${stamp()} stevedore agent: ${line}\n`);

export function engineProxyPortOf(flag: string | undefined): number {
  if (flag === undefined) return ENGINE_PROXY_PORT;
  const port = Number(flag);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(
      `--engine-proxy-port must be a port number (0: any free one), got ${flag}`,
    );
  }
  return port;
}

const portOf = (flags: AgentFlags) => engineProxyPortOf(flags.engineProxyPort);

async function agentAction(flags: AgentFlags, command: Command): Promise<void> {
  const dataDir = await dataDirOf(command, flags.dataDir);
  const abort = new AbortController();
  // An agent started before its engine (at boot) waits for it rather than exit with nothing to restart it.
  let engine: EngineClient;
  if (flags.dockerHost !== undefined) {
    engine = new EngineClient(flags.dockerHost);
    for (let waited = 0; !(await engine.ping()); waited++) {
      if (waited % 30 === 0) log(`waiting for the Docker Engine at ${flags.dockerHost}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  } else {
    engine = await ensureDockerEngine({ logDir: dataDir, progress: log });
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the components`);
      abort.abort();
    });
  }
  const runner = nodeComponentRunner({
    dataDir,
    dockerHost: engine.dockerHost,
    engineProxyPort: portOf(flags),
    log,
  });
  log(`started (pid ${process.pid}); status in ${join(dataDir, 'agent', 'status.json')}`);
  try {
    await runAgent({ dataDir, engine, runner, version: VERSION, log, signal: abort.signal });
  } finally {
    engine.close();
  }
  log('stopped');
}

async function componentAction(name: string, own: AgentFlags, command: Command): Promise<void> {
  // `agent` takes the same flags, and commander gives them to the parent wherever they appear.
  const flags = { ...command.optsWithGlobals<AgentFlags>(), ...own };
  if (name !== 'engine-proxy') {
    throw new InvalidArgumentError(
      `unknown component ${JSON.stringify(name)}; this version runs engine-proxy`,
    );
  }
  const dataDir = await dataDirOf(command, flags.dataDir);
  const membership = await readNodeMembership(dataDir);
  if (!membership)
    throw new FailedPreconditionError('this machine has not joined a cluster: run stevedore join first');
  const proxy = await startEngineProxy({
    host: membership.state.address ?? '0.0.0.0',
    port: portOf(flags),
    dockerHost: flags.dockerHost ?? 'unix:///var/run/docker.sock',
    tls: { certPem: membership.certPem, keyPem: membership.keyPem, caPem: membership.caPem },
    allowedRoles: ['controller'],
  });
  process.stdout.write(`ready engine-proxy on ${membership.state.address ?? '0.0.0.0'}:${proxy.port}\n`);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export function agentCommand(): Command {
  const common = (c: Command) =>
    c
      .option('--data-dir <dir>', 'the data dir `stevedore join` used (default /var/lib/stevedore as root)')
      .option(
        '--docker-host <url>',
        "this node's engine, e.g. unix:///run/other.sock (default: the machine's)",
      )
      .option('--engine-proxy-port <port>', `where the engine proxy listens (default ${ENGINE_PROXY_PORT})`);
  const agent = common(
    new Command('agent').description(
      "the node agent: keeps this node's Stevedore components running, reports to the managers, renews the node certificate",
    ),
  ).action(agentAction);
  agent.addCommand(
    common(new Command('component').description('run one component, as the agent does (internal)'))
      .argument('<name>', 'engine-proxy')
      .action(componentAction),
    { hidden: true },
  );
  return agent;
}
