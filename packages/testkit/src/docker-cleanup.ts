/**
 * Tearing down what a private engine leaves on the machine once dockerd is gone (or refuses to go):
 * containerd and its shims, container processes, cgroups, overlay and nsfs mounts, bridges, the temp dir.
 *
 * Everything here is synchronous on purpose: the same steps run from `stop()` and from the process 'exit'
 * safety net, where only synchronous work happens. Every step is best effort and never throws, so one stuck
 * mount does not keep the rest from being cleaned.
 *
 * Invariant: only what belongs to this engine is touched — processes whose command line names the engine's
 * temp dir, cgroups under the engine's own cgroup parent, mounts under its temp dir.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineNetwork } from './docker-network.js';
import { releaseEngineNetworkSync } from './docker-network.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface EngineResources {
  readonly dir: string;
  /** Name of the engine's cgroup parent (dockerd --cgroup-parent), without slashes. */
  readonly cgroupParent: string;
  readonly network: EngineNetwork | undefined;
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Pids whose command line mentions `needle` (containerd and shims name the engine's exec root). */
export function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(needle)) pids.push(pid);
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Every cgroup dir of the engine's parent, deepest first, across the v1 hierarchies (and v2 if unified). */
function cgroupDirs(parent: string): string[] {
  const dirs: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
    dirs.push(dir);
  };
  let controllers: string[] = [];
  try {
    controllers = readdirSync(CGROUP_ROOT);
  } catch {
    return dirs;
  }
  for (const c of controllers) walk(join(CGROUP_ROOT, c, parent));
  // A cgroup v2-only machine has the parent directly under the root.
  walk(join(CGROUP_ROOT, parent));
  return dirs;
}

function killCgroupProcesses(parent: string): void {
  for (const dir of cgroupDirs(parent)) {
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) {
        if (line) kill(Number(line), 'SIGKILL');
      }
    } catch {
      // not a cgroup dir, or gone
    }
  }
}

function removeCgroups(parent: string): void {
  for (const dir of cgroupDirs(parent)) {
    try {
      rmdirSync(dir);
    } catch {
      // busy or gone; a leftover empty cgroup is harmless
    }
  }
}

/** Mount points under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points: string[] = [];
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const point = line.split(' ')[4];
      if (!point) continue;
      // mountinfo escapes space, tab, newline and backslash as octal.
      const decoded = point.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
      if (decoded === dir || decoded.startsWith(prefix)) points.push(decoded);
    }
  } catch {
    // no /proc: nothing we can do
  }
  return points.sort((a, b) => b.length - a.length);
}

function unmountAll(dir: string): void {
  for (const point of mountsUnder(dir)) {
    try {
      execFileSync('umount', [point], { stdio: 'ignore' });
    } catch {
      try {
        execFileSync('umount', ['-l', point], { stdio: 'ignore' });
      } catch {
        // already unmounted by an outer lazy unmount
      }
    }
  }
}

/**
 * Cleans up after dockerd has exited (or been killed): leftover containerd/shims, container processes,
 * mounts, cgroups, bridges, and finally the temp dir.
 */
export function releaseEngineResourcesSync(res: EngineResources): void {
  // The trailing slash keeps /tmp/x-abc from matching /tmp/x-abcd.
  const needle = `${res.dir}/`;
  for (const pid of pidsMentioning(needle)) kill(pid, 'SIGKILL');
  killCgroupProcesses(res.cgroupParent);
  // Give the kernel a moment to reap before unmounting overlays those processes were using.
  for (let i = 0; i < 20 && pidsMentioning(needle).length > 0; i++) sleepSync(50);
  unmountAll(res.dir);
  removeCgroups(res.cgroupParent);
  if (res.network) releaseEngineNetworkSync(res.network);
  try {
    rmSync(res.dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // A mount we could not remove keeps the dir; rm would fail inside it rather than cross it.
  }
}
