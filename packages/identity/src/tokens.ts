/**
 * Long-lived access tokens for scripts and CI: the secret is shown once, at creation; the Store keeps its
 * SHA-256 (`/auth/tokens/<hash>`) and an index entry per owner (`/auth/user-tokens/<user>/<id>`, or
 * `/auth/sa-tokens/<org>/<name>/<id>` for a service account) for listing and revoking by id. Creating one
 * pins its owner's record, so a token cannot outlive an owner removed at the same moment (and so be
 * inherited by a later owner of the same name).
 *
 * A token may expire (`expiresAt`, at most a year ahead) and may be limited to the registry (`scope:
 * 'registry'`: accepted by the token service, refused by the REST API). `lastUsedAt` is written when a
 * token is used, at most once a minute per token (a busy CI must not turn every request into a write),
 * best-effort: a lost race or a failed write never fails the request that used the token.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import type { KeyValue } from '@stevedore/store';
import { isoAt, type IdentityContext } from './context.js';
import { identityKeys as keys } from './keys.js';
import {
  accessTokenSchema,
  decode,
  encode,
  userTokenSchema,
  type AccessTokenRecord,
  type TokenScope,
} from './records.js';
import { ACCESS_TOKEN_PREFIX, hashSecret, newSecret } from './secrets.js';
import { commit, retrying, TxnBuilder } from './txn.js';

export interface AccessTokenInfo {
  readonly id: string;
  readonly label: string;
  readonly createdAt: string;
  /** ISO 8601; absent: the token does not expire. */
  readonly expiresAt?: string;
  /** ISO 8601, to the minute; absent: never used. */
  readonly lastUsedAt?: string;
  readonly scope: TokenScope;
}

export interface NewAccessToken extends AccessTokenInfo {
  /** The secret; shown this once and never again. */
  readonly token: string;
  readonly revision: number;
}

export interface CreateTokenInput {
  readonly label: string;
  /** ISO 8601, in the future and at most a year ahead. */
  readonly expiresAt?: string;
  readonly scope?: TokenScope;
  /** A refresh token handed out for a password (`docker login`): revoked when that password changes. */
  readonly refresh?: boolean;
}

const MAX_LIFETIME_MS = 366 * 24 * 3_600_000;
const LAST_USED_EVERY_MS = 60_000;

function checkLabel(label: unknown): string {
  if (typeof label !== 'string' || label.trim().length === 0 || label.length > 100) {
    throw new InvalidArgumentError('label must be 1-100 characters, e.g. "ci-deploy"', {
      detail: { field: 'label' },
    });
  }
  return label;
}

function checkExpiry(expiresAt: unknown, now: number): string | undefined {
  if (expiresAt === undefined) return undefined;
  const at = typeof expiresAt === 'string' ? Date.parse(expiresAt) : NaN;
  if (Number.isNaN(at) || at <= now || at > now + MAX_LIFETIME_MS) {
    throw new InvalidArgumentError(
      'expiresAt must be an ISO 8601 time in the future and at most one year ahead, e.g. 2027-01-31T00:00:00Z',
      { detail: { field: 'expiresAt' } },
    );
  }
  return new Date(at).toISOString();
}

function checkScope(scope: unknown): TokenScope {
  if (scope === undefined || scope === 'all' || scope === 'registry') return scope ?? 'all';
  throw new InvalidArgumentError('scope must be "all" or "registry"', { detail: { field: 'scope' } });
}

export function isExpired(record: { readonly expiresAt?: string | undefined }, now: number): boolean {
  return record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now;
}

/** A token found by its secret, with the stored key-value (for `markUsed`). */
export interface FoundToken {
  readonly record: AccessTokenRecord;
  readonly kv: KeyValue;
}

/** Where a new token goes: its owner's record (pinned) and its index key. */
export interface TokenOwner {
  readonly ownerKey: string;
  readonly missing: string;
  readonly indexKey: (id: string) => string;
  readonly user: string;
  readonly serviceAccount?: { readonly org: string; readonly name: string };
}

export class AccessTokens {
  constructor(private readonly ctx: IdentityContext) {}

  create(user: string, input: CreateTokenInput): Promise<NewAccessToken> {
    return this.issue(
      {
        ownerKey: keys.user(user),
        missing: `user ${JSON.stringify(user)} does not exist`,
        indexKey: (id) => keys.userToken(user, id),
        user,
      },
      input,
    );
  }

  list(user: string): Promise<readonly AccessTokenInfo[]> {
    return this.listIndex(keys.userTokens(user));
  }

  revoke(user: string, id: string): Promise<{ revision: number }> {
    return this.revokeIndexed(
      keys.userToken(user, id),
      `user ${JSON.stringify(user)} has no access token ${JSON.stringify(id)}`,
    );
  }

  /** The token's record, whatever its state (expiry and scope are the caller's to check). */
  async find(token: string): Promise<FoundToken | undefined> {
    if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return undefined;
    const kv = await this.ctx.store.get(keys.token(hashSecret(token)));
    return kv ? { record: decode(accessTokenSchema, kv), kv } : undefined;
  }

  async lookup(token: string): Promise<AccessTokenRecord | undefined> {
    return (await this.find(token))?.record;
  }

  /** Records the use of a token, at most once a minute; never throws. */
  async markUsed(found: FoundToken): Promise<void> {
    const now = this.ctx.now();
    const last = found.record.lastUsedAt === undefined ? NaN : Date.parse(found.record.lastUsedAt);
    if (now - last < LAST_USED_EVERY_MS) return;
    const next: AccessTokenRecord = { ...found.record, lastUsedAt: new Date(now).toISOString() };
    try {
      // The compare makes a revoked token stay revoked, and lets one of several concurrent uses win.
      await commit(
        this.ctx.store,
        new TxnBuilder().expectUnchanged(found.kv.key, found.kv).put(found.kv.key, encode(next)),
      );
    } catch {
      // Best-effort by design: the use itself has been authenticated already.
    }
  }

  /** Creates a token for `owner` (shared by users and service accounts). */
  async issue(owner: TokenOwner, input: CreateTokenInput): Promise<NewAccessToken> {
    const label = checkLabel(input.label);
    const expiresAt = checkExpiry(input.expiresAt, this.ctx.now());
    const scope = checkScope(input.scope);
    const token = newSecret(ACCESS_TOKEN_PREFIX);
    const hash = hashSecret(token);
    const id = randomBytes(8).toString('hex');
    const createdAt = isoAt(this.ctx);
    const optional = {
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      scope,
      ...(input.refresh === true ? { refresh: true } : {}),
    };
    const record: AccessTokenRecord = {
      id,
      user: owner.user,
      label,
      createdAt,
      ...optional,
      ...(owner.serviceAccount ? { serviceAccount: owner.serviceAccount } : {}),
    };
    const revision = await retrying('create the access token', async () => {
      const ownerKv = await this.ctx.store.get(owner.ownerKey);
      if (!ownerKv) throw new NotFoundError(owner.missing);
      const txn = new TxnBuilder().touch(ownerKv).expect(keys.token(hash), 0).expect(owner.indexKey(id), 0);
      txn
        .put(keys.token(hash), encode(record))
        .put(owner.indexKey(id), encode({ hash, label, createdAt, ...optional }));
      return commit(this.ctx.store, txn);
    });
    await this.ctx.afterWrite(revision);
    return { id, label, createdAt, ...optional, token, revision };
  }

  /** The tokens indexed under `prefix`, with their last use (read from each token's record). */
  async listIndex(prefix: string): Promise<readonly AccessTokenInfo[]> {
    const { kvs } = await this.ctx.store.range(prefix);
    const entries = kvs.map((kv) => ({ id: kv.key.slice(prefix.length), ...decode(userTokenSchema, kv) }));
    const records = await Promise.all(entries.map((e) => this.ctx.store.get(keys.token(e.hash))));
    return entries.map((e, i) => {
      const kv = records[i];
      const lastUsedAt = kv ? decode(accessTokenSchema, kv).lastUsedAt : undefined;
      return {
        id: e.id,
        label: e.label,
        createdAt: e.createdAt,
        ...(e.expiresAt !== undefined ? { expiresAt: e.expiresAt } : {}),
        ...(lastUsedAt !== undefined ? { lastUsedAt } : {}),
        scope: e.scope ?? 'all',
      };
    });
  }

  async revokeIndexed(indexKey: string, missing: string): Promise<{ revision: number }> {
    const revision = await retrying('revoke the access token', async () => {
      const kv = await this.ctx.store.get(indexKey);
      if (!kv) throw new NotFoundError(missing);
      const { hash } = decode(userTokenSchema, kv);
      return commit(
        this.ctx.store,
        new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key).delete(keys.token(hash)),
      );
    });
    // Only /auth/ changed: nothing for the access model to catch up with.
    return { revision };
  }
}
