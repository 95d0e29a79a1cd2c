/**
 * Client bundles: the records of the client certificates users download to drive the docker CLI over
 * mTLS. The certificate and its key are made by the caller (identity does not depend on the PKI) and the
 * key is never stored; identity keeps the certificate's public-key id (`keyId`, hex SHA-256 of the SPKI)
 * at `/auth/bundles/<keyId>` for the proxy's per-request lookup, and a per-user index entry
 * (`/auth/user-bundles/<user>/<id>`) for listing and revoking by id. Registering pins the user, so a
 * bundle cannot outlive a user removed at the same moment; removing the user removes their bundles.
 */
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import { isoAt, type IdentityContext } from './context.js';
import { identityKeys as keys } from './keys.js';
import { bundleSchema, decode, encode, userBundleSchema, type BundleRecord } from './records.js';
import { commit, retrying, TxnBuilder } from './txn.js';

export interface BundleInfo {
  readonly id: string;
  readonly label: string;
  readonly keyId: string;
  readonly createdAt: string;
  /** ISO 8601: the certificate's notAfter; the bundle is refused from then on. */
  readonly expiresAt: string;
}

export interface RegisterBundleInput {
  readonly keyId: string;
  readonly label: string;
  readonly expiresAt: string;
}

function checkLabel(label: unknown): string {
  if (typeof label !== 'string' || label.trim().length === 0 || label.length > 100) {
    throw new InvalidArgumentError('label must be 1-100 characters, e.g. "laptop"', {
      detail: { field: 'label' },
    });
  }
  return label;
}

// The key id becomes a Store key segment: only what publicKeyIdOf produces is accepted.
function checkKeyId(keyId: unknown): string {
  if (typeof keyId !== 'string' || !/^[0-9a-f]{64}$/.test(keyId)) {
    throw new InvalidArgumentError('keyId must be the hex SHA-256 of the certificate public key', {
      detail: { field: 'keyId' },
    });
  }
  return keyId;
}

function checkExpiry(expiresAt: unknown): string {
  const ms = typeof expiresAt === 'string' ? Date.parse(expiresAt) : NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidArgumentError('expiresAt must be an ISO 8601 time', { detail: { field: 'expiresAt' } });
  }
  return new Date(ms).toISOString();
}

export class ClientBundles {
  constructor(private readonly ctx: IdentityContext) {}

  async register(user: string, input: RegisterBundleInput): Promise<BundleInfo & { revision: number }> {
    const keyId = checkKeyId(input.keyId);
    const label = checkLabel(input.label);
    const expiresAt = checkExpiry(input.expiresAt);
    const id = randomBytes(8).toString('hex');
    const createdAt = isoAt(this.ctx);
    const record: BundleRecord = { id, user, label, keyId, createdAt, expiresAt };
    const revision = await retrying('register the client bundle', async () => {
      const [userKv, existing] = await Promise.all([
        this.ctx.store.get(keys.user(user)),
        this.ctx.store.get(keys.bundle(keyId)),
      ]);
      if (!userKv) throw new NotFoundError(`user ${JSON.stringify(user)} does not exist`);
      // Fresh key pairs never collide; a repeat means a certificate is being registered twice.
      if (existing) throw new AlreadyExistsError('this certificate is already registered as a client bundle');
      const txn = new TxnBuilder()
        .touch(userKv)
        .expect(keys.bundle(keyId), 0)
        .expect(keys.userBundle(user, id), 0);
      txn
        .put(keys.bundle(keyId), encode(record))
        .put(keys.userBundle(user, id), encode({ keyId, label, createdAt, expiresAt }));
      return commit(this.ctx.store, txn);
    });
    await this.ctx.afterWrite(revision);
    return { id, label, keyId, createdAt, expiresAt, revision };
  }

  async list(user: string): Promise<readonly BundleInfo[]> {
    const prefix = keys.userBundles(user);
    const { kvs } = await this.ctx.store.range(prefix);
    return kvs.map((kv) => ({ id: kv.key.slice(prefix.length), ...decode(userBundleSchema, kv) }));
  }

  async revoke(user: string, id: string): Promise<{ revision: number }> {
    const revision = await retrying('revoke the client bundle', async () => {
      const kv = await this.ctx.store.get(keys.userBundle(user, id));
      if (!kv)
        throw new NotFoundError(`user ${JSON.stringify(user)} has no client bundle ${JSON.stringify(id)}`);
      const { keyId } = decode(userBundleSchema, kv);
      return commit(
        this.ctx.store,
        new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key).delete(keys.bundle(keyId)),
      );
    });
    // Only /auth/ changed: nothing for the access model to catch up with.
    return { revision };
  }

  /** The bundle a presented certificate belongs to; undefined when unknown, revoked or expired. */
  async lookup(keyId: string): Promise<BundleRecord | undefined> {
    if (!/^[0-9a-f]{64}$/.test(keyId)) return undefined;
    const kv = await this.ctx.store.get(keys.bundle(keyId));
    if (!kv) return undefined;
    const record = decode(bundleSchema, kv);
    return Date.parse(record.expiresAt) > this.ctx.now() ? record : undefined;
  }
}
