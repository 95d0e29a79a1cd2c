/**
 * Networking for private engines: each engine owns a "slot" and, with it, its own Linux bridges and its own
 * /16 of private addresses, so engines in several test processes never share a bridge, a subnet or a route.
 *
 *   slot s (0..63) ─ bridge   stvd<s>    10.(160+s).0.1/24     the engine's default "bridge" network
 *                  ├ bridge   stvd<s>g   10.(160+s).255.0/24   docker_gwbridge, made before `swarm init`
 *                  └ pool     10.(160+s).0.0/16 (size 24)      `docker network create` subnets
 *
 * Invariants:
 * - A slot is claimed by creating its bridge: `ip link add` is atomic across processes, so the first
 *   creator wins and everyone else moves on to the next slot. No lock file is needed.
 * - The bridge's alias records the owning process (`stevedore-testkit pid=N`); a slot whose owner is dead
 *   (a test process that was SIGKILLed) is reclaimed by deleting its bridges; any other existing link with
 *   that name is left alone.
 * - A slot whose /16 overlaps a route already on the host is skipped, so we never shadow a real network.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ResourceExhaustedError } from '@stevedore/errors';

const run = promisify(execFile);

const SLOTS = 64;
const FIRST_OCTET2 = 160;
const ALIAS_PREFIX = 'stevedore-testkit pid=';

export interface EngineNetwork {
  readonly slot: number;
  /** The Linux bridge behind the engine's default `bridge` network (dockerd --bridge). */
  readonly bridge: string;
  /** The Linux bridge name to give docker_gwbridge when the engine joins a swarm. */
  readonly gatewayBridge: string;
  readonly gatewaySubnet: string;
  /** dockerd --default-address-pool base. */
  readonly addressPool: string;
  /** The host's address on `bridge` (its gateway): where containers reach servers on the host. */
  readonly hostAddress: string;
}

function networkOfSlot(slot: number): EngineNetwork {
  const octet = FIRST_OCTET2 + slot;
  return {
    slot,
    bridge: `stvd${slot}`,
    gatewayBridge: `stvd${slot}g`,
    gatewaySubnet: `10.${octet}.255.0/24`,
    addressPool: `10.${octet}.0.0/16`,
    hostAddress: `10.${octet}.0.1`,
  };
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

/** [first, last] addresses of a CIDR (a bare address is a /32). */
function range(cidr: string): [number, number] {
  const [ip = '0.0.0.0', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const size = bits >= 32 ? 1 : 2 ** (32 - bits);
  const first = Math.floor(ipv4ToInt(ip) / size) * size;
  return [first, first + size - 1];
}

export function overlaps(a: string, b: string): boolean {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}

export async function hostRoutes(): Promise<string[]> {
  const { stdout } = await run('ip', ['-4', '-j', 'route', 'show', 'table', 'all']);
  const routes = JSON.parse(stdout) as { dst?: string; dev?: string }[];
  return routes.map((r) => r.dst ?? '').filter((dst) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(dst));
}

async function linkAlias(name: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('ip', ['-j', 'link', 'show', 'dev', name]);
    const links = JSON.parse(stdout) as { ifalias?: string }[];
    return links[0]?.ifalias;
  } catch {
    return undefined;
  }
}

/** Whether process `pid` runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc to ask; kill(0) said it exists
  }
}

/** Deletes a link if it exists; never throws (cleanup must go on). */
export function removeLinkSync(name: string): void {
  try {
    execFileSync('ip', ['link', 'del', 'dev', name], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

/** Bridges of this slot's pool that dockerd made for user-defined networks (br-<id>) and left behind. */
function removePoolBridgesSync(net: EngineNetwork): void {
  try {
    const out = execFileSync('ip', ['-4', '-j', 'addr', 'show', 'type', 'bridge'], { encoding: 'utf8' });
    const links = JSON.parse(out) as { ifname: string; addr_info?: { local?: string }[] }[];
    for (const link of links) {
      if (link.addr_info?.some((a) => a.local && overlaps(`${a.local}/32`, net.addressPool))) {
        removeLinkSync(link.ifname);
      }
    }
  } catch {
    // best effort: a leftover bridge costs an address range, not correctness
  }
}

/** Removes every bridge this engine's slot may have created. */
export function releaseEngineNetworkSync(net: EngineNetwork): void {
  removeLinkSync(net.bridge);
  removeLinkSync(net.gatewayBridge);
  removePoolBridgesSync(net);
}

/** The slot of a bridge named like ours, if it is one of ours whose owning process is gone. */
function staleSlot(name: string, alias: string | undefined): number | undefined {
  const match = /^stvd(\d+)$/.exec(name);
  if (!match || !alias?.startsWith(ALIAS_PREFIX)) return undefined;
  return isAlive(Number(alias.slice(ALIAS_PREFIX.length))) ? undefined : Number(match[1]);
}

/**
 * Deletes the bridges of every slot whose owner died without cleaning up (SIGKILL). A slot still being set
 * up has no alias yet and is left alone.
 */
export async function releaseStaleEngineNetworks(): Promise<void> {
  const { stdout } = await run('ip', ['-j', 'link', 'show', 'type', 'bridge']);
  for (const link of JSON.parse(stdout) as { ifname: string; ifalias?: string }[]) {
    const slot = staleSlot(link.ifname, link.ifalias);
    if (slot !== undefined && slot < SLOTS) releaseEngineNetworkSync(networkOfSlot(slot));
  }
}

let nextProbe = 0;

/** Claims a free slot and creates its default bridge, up and addressed. */
export async function allocateEngineNetwork(): Promise<EngineNetwork> {
  const routes = await hostRoutes();
  const start = (process.pid + nextProbe++) % SLOTS;
  for (let i = 0; i < SLOTS; i++) {
    const net = networkOfSlot((start + i) % SLOTS);
    try {
      await run('ip', ['link', 'add', 'name', net.bridge, 'type', 'bridge']);
    } catch {
      // Taken. If its owner is dead, clear it for a later claim (not this one: another process may be
      // reclaiming it at the same moment, and only `ip link add` decides who owns a slot).
      if (staleSlot(net.bridge, await linkAlias(net.bridge)) !== undefined) releaseEngineNetworkSync(net);
      continue;
    }
    // Ours now. A route overlapping our /16 (other than the stale ones we clear) means a real network.
    if (routes.some((r) => overlaps(r, net.addressPool))) {
      removeLinkSync(net.bridge);
      continue;
    }
    try {
      await run('ip', ['link', 'set', 'dev', net.bridge, 'alias', `${ALIAS_PREFIX}${process.pid}`]);
      await run('ip', ['addr', 'add', `${net.hostAddress}/24`, 'dev', net.bridge]);
      await run('ip', ['link', 'set', 'dev', net.bridge, 'up']);
    } catch (err) {
      removeLinkSync(net.bridge);
      throw err;
    }
    return net;
  }
  throw new ResourceExhaustedError(
    `all ${SLOTS} private Docker Engine network slots (bridges stvd0..stvd${SLOTS - 1}) are in use or overlap ` +
      'host routes; stop other test engines, or delete stale bridges with `ip link del stvdN`',
  );
}
