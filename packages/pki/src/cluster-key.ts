/**
 * The cluster key: 32 random bytes that seal the cluster's CA keys in the Store (seal.ts). Every manager
 * holds it in `<dir>/cluster-key` (base64, mode 0600, in a 0700 directory) and nothing else does: it is
 * never written to the Store, never logged. The first manager makes it; a manager that joins receives it
 * from one that has it.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FailedPreconditionError } from '@stevedore/errors';
import { privateDir, readIfExists, writeAtomically } from './ca-files.js';

export const CLUSTER_KEY_FILE = 'cluster-key';
export const CLUSTER_KEY_BYTES = 32;

export const clusterKeyPath = (dir: string): string => join(dir, CLUSTER_KEY_FILE);

/** The key in `dir`, or undefined when there is none; a file that is not 32 base64 bytes fails. */
export async function readClusterKey(dir: string): Promise<Buffer | undefined> {
  const text = await readIfExists(clusterKeyPath(dir));
  if (text === undefined) return undefined;
  return parseClusterKey(text.trim(), clusterKeyPath(dir));
}

export function parseClusterKey(text: string, where: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== CLUSTER_KEY_BYTES || key.toString('base64') !== text) {
    throw new FailedPreconditionError(
      `${where} is not a cluster key (32 bytes, base64); restore it from a manager of this cluster`,
    );
  }
  return key;
}

/** The key in `dir`, made (32 random bytes) when there is none. */
export async function loadOrCreateClusterKey(dir: string): Promise<Buffer> {
  return (await readClusterKey(dir)) ?? writeClusterKey(dir, randomBytes(CLUSTER_KEY_BYTES));
}

/** Writes `key` to `dir` (a joining manager's, received); never replaces a different key that is there. */
export async function writeClusterKey(dir: string, key: Buffer): Promise<Buffer> {
  await privateDir(dir);
  const existing = await readClusterKey(dir);
  if (existing) {
    if (existing.equals(key)) return existing;
    throw new FailedPreconditionError(
      `${clusterKeyPath(dir)} holds another cluster's key; move the data dir's pki directory away to take this cluster's`,
    );
  }
  await writeAtomically(clusterKeyPath(dir), `${key.toString('base64')}\n`, 0o600);
  return key;
}
