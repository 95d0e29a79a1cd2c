/**
 * The token signing certificate in the Store, so that every controller signs with the same key and every
 * registry trusts it. Record at `/pki/registry-token-signer`:
 *
 *   { certificates: [{ pem, keyId }],              every certificate registries must trust (public)
 *     current: { certificatePem, sealedKey } }     what controllers sign with; the key sealed under the
 *                                                  cluster CA's key (pki's sealWithCaKey): managers only
 *
 * Invariants:
 * - The record is created once, by a transaction that writes only if the key is absent: two controllers
 *   starting together agree on one key (the loser reads the winner's).
 * - `certificates` keeps old certificates when the current one is replaced, so rotation does not cut
 *   tokens still alive. Rotation itself is not implemented yet: the certificate is valid for 5 years, and
 *   verifiers (ours, and distribution's kid lookup) do not check the validity dates of trusted certificates.
 */
import { type KeyAndCertificate, issueCertificate, sealWithCaKey, unsealWithCaKey } from '@stevedore/pki';
import { FailedPreconditionError } from '@stevedore/errors';
import { type KeyValue, type Store, follow } from '@stevedore/store';
import { z } from 'zod';
import { keyIdOfCertificate } from './key-id.js';

export const TOKEN_SIGNER_KEY = '/pki/registry-token-signer';
const PURPOSE = 'registry token signing key';
const VALIDITY_DAYS = 5 * 365;

const recordSchema = z.object({
  certificates: z.array(z.object({ pem: z.string(), keyId: z.string() })),
  current: z.object({ certificatePem: z.string(), sealedKey: z.string() }),
});

export type TokenSignerRecord = z.infer<typeof recordSchema>;

export interface TokenSigner {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

function decode(value: string): TokenSignerRecord {
  const parsed = recordSchema.safeParse(JSON.parse(value));
  if (!parsed.success) {
    throw new FailedPreconditionError(
      `the registry token signer record at ${TOKEN_SIGNER_KEY} is malformed; delete it to have a new one made`,
    );
  }
  return parsed.data;
}

function unseal(ca: KeyAndCertificate, record: TokenSignerRecord): TokenSigner {
  return {
    certificatePem: record.current.certificatePem,
    privateKeyPem: unsealWithCaKey(ca.keyPem, PURPOSE, record.current.sealedKey),
  };
}

/** The cluster's token signing certificate and key, made (issued by the cluster CA) on the first call. */
export async function ensureTokenSigner(
  store: Store,
  ca: KeyAndCertificate,
  options: { now?: () => Date } = {},
): Promise<TokenSigner> {
  const existing = await store.get(TOKEN_SIGNER_KEY);
  if (existing) return unseal(ca, decode(existing.value));
  const issued = await issueCertificate(ca, {
    commonName: 'stevedore registry token signer',
    organizationalUnit: 'registry-token-signer',
    usage: 'signing',
    validityDays: VALIDITY_DAYS,
    ...(options.now ? { now: options.now() } : {}),
  });
  const record: TokenSignerRecord = {
    certificates: [{ pem: issued.certPem, keyId: keyIdOfCertificate(issued.certPem) }],
    current: { certificatePem: issued.certPem, sealedKey: sealWithCaKey(ca.keyPem, PURPOSE, issued.keyPem) },
  };
  const txn = await store.txn({
    compares: [{ key: TOKEN_SIGNER_KEY, target: 'modRevision', equals: 0 }],
    success: [{ type: 'put', key: TOKEN_SIGNER_KEY, value: JSON.stringify(record) }],
    failure: [{ type: 'get', key: TOKEN_SIGNER_KEY }],
  });
  if (txn.succeeded) return { certificatePem: issued.certPem, privateKeyPem: issued.keyPem };
  const winner = txn.results[0];
  if (!winner)
    throw new FailedPreconditionError('the registry token signer record vanished while made; retry');
  return unseal(ca, decode(winner.value));
}

export interface TokenSignerFollower {
  /** Resolves once the record was read (an absent record gives an empty list) and is being watched. */
  readonly ready: Promise<void>;
  /** The certificates (PEM) registries must trust now: a TokenVerifier's `keys`. */
  current(): readonly string[];
  close(): Promise<void>;
}

/** Follows the record so a registry trusts what controllers sign with, also across rotations. */
export function followTokenSigners(
  store: Store,
  options: { onError?: (err: unknown) => void } = {},
): TokenSignerFollower {
  let certificates: readonly string[] = [];
  const apply = (kv: Pick<KeyValue, 'key' | 'value'> | undefined): void => {
    certificates = kv === undefined ? [] : decode(kv.value).certificates.map((c) => c.pem);
  };
  const follower = follow(store, TOKEN_SIGNER_KEY, {
    onSnapshot: (kvs) => apply(kvs.find((kv) => kv.key === TOKEN_SIGNER_KEY)),
    onRevision: (events) => {
      for (const event of events) {
        if (event.type === 'delete') {
          if (event.key === TOKEN_SIGNER_KEY) apply(undefined);
        } else if (event.kv.key === TOKEN_SIGNER_KEY) apply(event.kv);
      }
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });
  return { ready: follower.ready, current: () => certificates, close: () => follower.close() };
}
