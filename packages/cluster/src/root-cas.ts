/**
 * One cluster identity: the cluster root CA (server and node certificates) and the client root CA (client
 * bundles) live in the Store at `/pki/root-cas`, their private keys sealed under the cluster key
 * (pki's cluster-key.ts), so every manager on the Store issues from the same CAs and a bundle or node
 * certificate from one is trusted by all. The Store never holds a CA key in the clear; the cluster key is
 * never in the Store.
 *
 * `openRootCas(store, pkiDir)`:
 * - the Store has them: unseal with the data dir's cluster key (none, or another cluster's: a clear error
 *   that says how a manager gets it) and keep a copy in the data dir (`<name>.pem`, `<name>-key.pem`), which
 *   must not be another cluster's CA;
 * - it has none: this is the first manager. It stores the data dir's CAs (an install from before the Store
 *   held them) or new ones, with a new cluster key, in one create-if-absent; a manager that loses that race
 *   to another takes the winner's (and forgets the key it just made).
 */
import { unlink } from 'node:fs/promises';
import { z } from 'zod';
import { FailedPreconditionError, InternalError } from '@stevedore/errors';
import {
  clusterKeyPath,
  createCertificateAuthority,
  fingerprintOf,
  loadOrCreateClusterKey,
  readCa,
  readClusterKey,
  sealWithClusterKey,
  unsealWithClusterKey,
  writeCa,
  type KeyAndCertificate,
} from '@stevedore/pki';
import type { Store } from '@stevedore/store';

export const ROOT_CAS_KEY = '/pki/root-cas';

export interface RootCas {
  readonly clusterCa: KeyAndCertificate;
  readonly clientCa: KeyAndCertificate;
  /** The 32 bytes that seal them, from the data dir: a manager that joins receives it (never logged). */
  readonly clusterKey: Buffer;
  /** Where they came from at this start: the Store, this data dir (moved into the Store now), or made now. */
  readonly origin: 'store' | 'data-dir' | 'new';
}

const ROLES = {
  clusterCa: { file: 'cluster-root-ca', commonName: 'Stevedore cluster root CA' },
  clientCa: { file: 'client-root-ca', commonName: 'Stevedore client root CA' },
} as const;
type Role = keyof typeof ROLES;

const CA_VALIDITY_DAYS = 3650;

const sealedCa = z.object({ certPem: z.string().min(1), sealedKey: z.string().min(1) });
const recordSchema = z.object({ clusterCa: sealedCa, clientCa: sealedCa });

const purposeOf = (role: Role) => `${ROLES[role].file} key`;

export async function openRootCas(store: Store, pkiDir: string): Promise<RootCas> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    const stored = await store.get(ROOT_CAS_KEY);
    if (stored) return adopt(stored.value, pkiDir);
    const made = await makeFirst(store, pkiDir);
    if (made) return made;
  }
  throw new InternalError(`the cluster's root CAs appeared and vanished at ${ROOT_CAS_KEY}; start again`);
}

/** The Store's CAs, unsealed with this data dir's cluster key, and a copy of them in the data dir. */
async function adopt(value: string, pkiDir: string): Promise<RootCas> {
  const key = await readClusterKey(pkiDir);
  if (!key) {
    throw new FailedPreconditionError(
      `this manager has no cluster key (${clusterKeyPath(pkiDir)}), and the Store holds a cluster's CAs: ` +
        'a manager receives the key when it joins with a manager token; to set one up by hand, copy that ' +
        'file (mode 0600) from a manager of this cluster',
    );
  }
  const record = parseRecord(value);
  const cas = {} as Record<Role, KeyAndCertificate>;
  for (const role of Object.keys(ROLES) as Role[]) {
    const { certPem, sealedKey } = record[role];
    cas[role] = { certPem, keyPem: unsealWithClusterKey(key, purposeOf(role), sealedKey) };
    const local = await readCa(pkiDir, ROLES[role].file);
    if (local && fingerprintOf(local.certPem) !== fingerprintOf(certPem)) {
      throw new FailedPreconditionError(
        `${pkiDir} holds another cluster's ${ROLES[role].file} than the Store's: this data dir belongs to ` +
          'another cluster; move its pki directory away to take this cluster’s identity',
      );
    }
    if (!local || local.keyPem !== cas[role].keyPem) await writeCa(pkiDir, ROLES[role].file, cas[role]);
  }
  return { clusterCa: cas.clusterCa, clientCa: cas.clientCa, clusterKey: key, origin: 'store' };
}

/** The first manager's CAs into the Store; undefined when another manager stored its own first. */
async function makeFirst(store: Store, pkiDir: string): Promise<RootCas | undefined> {
  const hadKey = (await readClusterKey(pkiDir)) !== undefined;
  const key = await loadOrCreateClusterKey(pkiDir);
  const cas = {} as Record<Role, KeyAndCertificate>;
  let fromDataDir = true;
  for (const role of Object.keys(ROLES) as Role[]) {
    const local = await readCa(pkiDir, ROLES[role].file);
    if (!local) fromDataDir = false;
    cas[role] =
      local ??
      (await createCertificateAuthority({
        commonName: ROLES[role].commonName,
        validityDays: CA_VALIDITY_DAYS,
      }));
  }
  const record = Object.fromEntries(
    (Object.keys(ROLES) as Role[]).map((role) => [
      role,
      { certPem: cas[role].certPem, sealedKey: sealWithClusterKey(key, purposeOf(role), cas[role].keyPem) },
    ]),
  );
  const sent = JSON.stringify(record);
  const { ok } = await store.put(ROOT_CAS_KEY, sent, { ifModRevision: 0 });
  // "Not created" can also be our own create, committed and then re-sent by the etcd client's retry: the
  // record is ours when it is byte for byte what we sent (the seals' random IVs make it unique). Only a
  // key that seals someone else's record is forgotten.
  if (!ok && (await store.get(ROOT_CAS_KEY))?.value !== sent) {
    if (!hadKey) await unlink(clusterKeyPath(pkiDir));
    return undefined;
  }
  for (const role of Object.keys(ROLES) as Role[]) await writeCa(pkiDir, ROLES[role].file, cas[role]);
  return {
    clusterCa: cas.clusterCa,
    clientCa: cas.clientCa,
    clusterKey: key,
    origin: fromDataDir ? 'data-dir' : 'new',
  };
}

function parseRecord(value: string): z.infer<typeof recordSchema> {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (err) {
    throw new InternalError(`the Store value at ${ROOT_CAS_KEY} is not JSON; restore it from a backup`, {
      cause: err,
    });
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) {
    throw new InternalError(
      `the Store value at ${ROOT_CAS_KEY} is not a root CA record; restore it from a backup`,
    );
  }
  return parsed.data;
}
