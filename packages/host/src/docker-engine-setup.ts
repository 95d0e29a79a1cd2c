/**
 * What `stevedore up` does to the node's Docker Engine: make sure one is installed and answering, and that
 * it is a Swarm manager. Stevedore never replaces the engine; it installs Debian's `docker.io` when it is
 * missing, starts it the way the machine starts services (systemd when it runs, otherwise dockerd as a
 * background process logging to the data dir), and initialises Swarm mode when it is off.
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_DOCKER_HOST, EngineClient } from '@stevedore/engine';
import { FailedPreconditionError, UnavailableError } from '@stevedore/errors';
import { ensureBinary } from './debian-packages.js';

const run = promisify(execFile);

export type Progress = (message: string) => void;

async function waitForPing(client: EngineClient, timeoutMs: number, progress: Progress): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let said = Date.now();
  while (Date.now() < deadline) {
    if (await client.ping()) return true;
    if (Date.now() - said > 5_000) {
      progress(`still waiting for the Docker Engine at ${client.dockerHost} …`);
      said = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/**
 * Answers a client for a running engine. With `dockerHost` the engine must already answer there; without
 * it the machine's default engine is installed and started when needed.
 */
export async function ensureDockerEngine(options: {
  dockerHost?: string;
  logDir: string;
  progress: Progress;
}): Promise<EngineClient> {
  const { progress } = options;
  if (options.dockerHost !== undefined) {
    const client = new EngineClient(options.dockerHost);
    if (await client.ping()) return client;
    throw new UnavailableError(
      `no Docker Engine answers at ${options.dockerHost}; start it, or leave out --docker-host to use this machine's engine`,
    );
  }
  const client = new EngineClient(DEFAULT_DOCKER_HOST);
  if (await client.ping()) return client;

  progress('Docker Engine: not running; making sure Debian’s docker.io is installed');
  const dockerd = await ensureBinary('dockerd', 'docker.io');
  if (existsSync('/run/systemd/system')) {
    progress('Docker Engine: starting it with systemctl start docker');
    await run('systemctl', ['start', 'docker']);
  } else {
    const logFile = join(options.logDir, 'dockerd.log');
    progress(`Docker Engine: starting dockerd in the background (log: ${logFile})`);
    const fd = openSync(logFile, 'a', 0o600);
    spawn(dockerd, [], { detached: true, stdio: ['ignore', fd, fd] }).unref();
  }
  if (await waitForPing(client, 90_000, progress)) return client;
  throw new UnavailableError(
    `the Docker Engine did not start within 90 s; see ${join(options.logDir, 'dockerd.log')} or 'journalctl -u docker'`,
  );
}

/** The address other nodes reach this one at: the first non-internal IPv4 address of a physical-looking interface. */
export function defaultAdvertiseAddress(): string {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (/^(docker|br-|veth|lo|virbr|cni|flannel|cali|vxlan|docker_gwbridge)/.test(name)) continue;
    const v4 = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return '127.0.0.1';
}

/** Makes the engine a Swarm manager (initialising a new swarm when Swarm mode is off). */
export async function ensureSwarmManager(
  client: EngineClient,
  options: { advertiseAddr?: string; progress: Progress },
): Promise<{ nodeId: string; initialised: boolean }> {
  const info = await client.info();
  const state = info.Swarm.LocalNodeState;
  if (state === 'active') {
    if (!info.Swarm.ControlAvailable) {
      throw new FailedPreconditionError(
        'this engine is a Swarm worker; run stevedore up on a manager node (docker node promote, or docker swarm leave first)',
      );
    }
    return { nodeId: info.Swarm.NodeID, initialised: false };
  }
  if (state !== 'inactive') {
    throw new FailedPreconditionError(
      `the engine's Swarm state is "${state}"; fix it (docker swarm leave --force, or unlock it) and run stevedore up again`,
    );
  }
  const advertiseAddr = options.advertiseAddr ?? defaultAdvertiseAddress();
  options.progress(`Swarm: initialising Swarm mode (advertise address ${advertiseAddr})`);
  const nodeId = await client.swarmInit({ advertiseAddr });
  return { nodeId, initialised: true };
}
