/**
 * Makes the machine's Docker Engine trust the platform registry, as UCP did for DTR: the cluster CA goes
 * to `<certsDir>/<host:port>/ca.crt` (the engine's per-registry trust directory, read at each pull, push
 * and login; no restart) for every name the registry is reached by on this node.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';

export interface EngineTrustOptions {
  /** The engine's trust directory, normally /etc/docker/certs.d. */
  readonly certsDir: string;
  /** Names and addresses the registry is reached by (an IPv6 address is written in brackets). */
  readonly hosts: readonly string[];
  readonly port: number;
  readonly caPem: string;
}

/** The `host:port` directory name the engine looks up for a registry address. */
export function registryTrustName(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Writes the CA where it differs or is missing; answers the directories it wrote. */
export async function trustRegistryCa(options: EngineTrustOptions): Promise<readonly string[]> {
  const written: string[] = [];
  for (const host of new Set(options.hosts)) {
    const dir = join(options.certsDir, registryTrustName(host, options.port));
    const file = join(dir, 'ca.crt');
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current === options.caPem) continue;
    await mkdir(dir, { recursive: true, mode: 0o755 });
    // Written aside and renamed: an engine reading it mid-write never sees half a certificate.
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, options.caPem, { mode: 0o644 });
    await rename(temp, file);
    written.push(dir);
  }
  return written;
}

/** Interfaces the engine and other virtual networks make: their addresses are no way to reach this node. */
const VIRTUAL = /^(docker|br-|veth|virbr|cni|flannel|cali|vxlan|tun|tap)/;

/**
 * The addresses other machines may reach this node at: every non-internal interface address, except
 * those of bridges and veths the engine (or another virtual network) made.
 */
export function nodeAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): readonly string[] {
  const found: string[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    if (VIRTUAL.test(name)) continue;
    for (const info of infos ?? []) {
      if (info.internal) continue;
      // Link-local IPv6 needs a zone to be dialled; it cannot be a certificate name anyone uses.
      if (info.family === 'IPv6' && info.address.toLowerCase().startsWith('fe80:')) continue;
      found.push(info.address);
    }
  }
  return [...new Set(found)];
}
