/**
 * Clears what engines of dead test processes left behind. A test process that is SIGKILLed runs no exit
 * hook: its dockerd gets SIGTERM from the kernel (setpriv --pdeathsig) and stops, but its temp dir, cgroups
 * and bridges stay. The next engine started on the machine removes them.
 *
 * Invariant: an engine dir is only touched when the process named in its `owner.pid` is gone; a dir without
 * that file is being created right now (mkdtemp, then the write) and is skipped.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { releaseEngineResourcesSync } from './docker-cleanup.js';
import { isAlive, releaseStaleEngineNetworks } from './docker-network.js';

export const ENGINE_DIR_PARENT = '/tmp';
export const ENGINE_DIR_PREFIX = 'stevedore-dockerd-';
export const OWNER_FILE = 'owner.pid';

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function sweepStaleEngines(): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(ENGINE_DIR_PARENT).filter((n) => n.startsWith(ENGINE_DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(ENGINE_DIR_PARENT, name);
    const owner = readPid(join(dir, OWNER_FILE));
    if (owner === undefined || isAlive(owner)) continue;
    // The orphaned dockerd may still be shutting down (a swarm manager takes ~10 s); nobody waits for it, and
    // the release kills every process whose command line names the dir, dockerd included.
    releaseEngineResourcesSync({ dir, cgroupParent: name, network: undefined });
  }
  await releaseStaleEngineNetworks();
}
