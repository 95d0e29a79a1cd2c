/**
 * `stevedore join --token TOKEN https://MANAGER:8443`: make this machine a node of a Stevedore cluster.
 * Makes sure a Docker Engine runs (installing Debian's docker.io when missing, as `up` does), then follows
 * the node's side of joining (@stevedore/cluster's joinAsNode): verify the manager against the token's CA
 * digest, get a node certificate for a key made here, join the swarm, trust the registry, report in.
 * Each step is printed; running it again is safe.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { closeSync, openSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { HOSTNAME, joinAsNode, managerUrlOf, parseJoinToken } from '@stevedore/cluster';
import { InvalidArgumentError } from '@stevedore/errors';
import { ensureDockerEngine } from '@stevedore/host';
import { configWithDataDir } from './data-dir.js';
import { VERSION } from '../version.js';

interface JoinFlags {
  token?: string;
  agent?: boolean;
  dataDir?: string;
  dockerHost?: string;
  advertiseAddr?: string;
  hostname?: string;
}

const say = (line: string) => process.stdout.write(`stevedore join: ${line}\n`);

async function joinCommandAction(managerUrl: string, flags: JoinFlags, command: Command): Promise<void> {
  const token = flags.token ?? process.env['STEVEDORE_JOIN_TOKEN'];
  if (!token) {
    throw new InvalidArgumentError(
      'a join token is needed: --token TOKEN (or STEVEDORE_JOIN_TOKEN), from the Nodes page or GET /api/v1/cluster/join-tokens',
    );
  }
  // What can be checked here is checked before the engine is touched.
  parseJoinToken(token);
  managerUrlOf(managerUrl);
  if (flags.advertiseAddr !== undefined && isIP(flags.advertiseAddr) === 0) {
    throw new InvalidArgumentError(
      `--advertise-addr must be an IP address, got ${JSON.stringify(flags.advertiseAddr)}`,
    );
  }
  const name = flags.hostname ?? hostname();
  if (!HOSTNAME.test(name)) {
    throw new InvalidArgumentError(
      `this machine's host name ${JSON.stringify(name)} is not a valid DNS name (letters, digits, hyphens, dots): give one with --hostname`,
    );
  }
  const config = await configWithDataDir(command, flags.dataDir);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const engine = await ensureDockerEngine({
    ...(flags.dockerHost !== undefined ? { dockerHost: flags.dockerHost } : {}),
    logDir: config.dataDir,
    progress: say,
  });
  try {
    const version = await engine.version();
    say(`Docker Engine ${version.Version} (API ${version.ApiVersion}) at ${engine.dockerHost}`);
    const joined = await joinAsNode({
      token,
      manager: managerUrl,
      dataDir: config.dataDir,
      engine,
      hostname: name,
      ...(flags.advertiseAddr !== undefined ? { advertiseAddr: flags.advertiseAddr } : {}),
      registryCertsDir: config.registry.engineCertsDir,
      agentVersion: VERSION,
      progress: say,
    });
    if (flags.agent !== false) await startAgentInBackground(config.dataDir, engine.dockerHost);
    say(
      joined.joinedNow
        ? `done: this machine is node ${joined.nodeId} (${joined.role}); docker node ls on a manager shows it as ${joined.swarmNodeId}`
        : `done: nothing to change; this machine is node ${joined.nodeId} (${joined.role})`,
    );
  } finally {
    engine.close();
  }
}

/** Starts `stevedore agent` for this node, detached, unless its pid file names a live agent. */
async function startAgentInBackground(dataDir: string, dockerHost: string): Promise<void> {
  const pidFile = join(dataDir, 'agent', 'agent.pid');
  const pid = Number(await readFile(pidFile, 'utf8').catch(() => ''));
  if (pid > 0 && (await isAgent(pid))) {
    say(`agent: running already (pid ${pid})`);
    return;
  }
  await mkdir(join(dataDir, 'agent'), { recursive: true, mode: 0o700 });
  const logFile = join(dataDir, 'agent', 'agent.log');
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(
      process.execPath,
      [process.argv[1]!, 'agent', '--data-dir', dataDir, '--docker-host', dockerHost],
      { detached: true, stdio: ['ignore', fd, fd] },
    );
    child.unref();
    say(`agent: started in the background (pid ${child.pid}, log ${logFile}); stevedore status shows it`);
  } finally {
    closeSync(fd);
  }
}

/** A live `stevedore agent` (a pid file that outlived a reboot may name another process now). */
async function isAgent(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const args = cmdline.split('\0');
  return args.some((a) => a.endsWith('stevedore.js') || a.endsWith('stevedore')) && args.includes('agent');
}

export function joinCommand(): Command {
  return new Command('join')
    .description(
      'make this machine a node of a Stevedore cluster: verify the manager, get a node certificate, join the swarm',
    )
    .argument('<manager-url>', 'the manager to join through, https://HOST:8443 (the Nodes page shows it)')
    .option('--token <token>', 'the worker or manager join token (or STEVEDORE_JOIN_TOKEN); it says the role')
    .option(
      '--data-dir <dir>',
      'where the node keeps its key and certificate (default /var/lib/stevedore as root, ~/.stevedore otherwise)',
    )
    .option('--docker-host <url>', "use this engine, e.g. unix:///run/other.sock, instead of the machine's")
    .option(
      '--advertise-addr <ip>',
      'address other nodes reach this one at (default: the one the manager sees)',
    )
    .option('--hostname <name>', "the node's name in the cluster (default: this machine's host name)")
    .option(
      '--no-agent',
      'do not start `stevedore agent` in the background (a service manager starts it instead)',
    )
    .addHelpText(
      'after',
      '\nRunning it again is safe: a member only checks in. A refused join (wrong, rotated or foreign token)\nchanges nothing on this machine.',
    )
    .action(joinCommandAction);
}
