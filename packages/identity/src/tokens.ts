/**
 * Long-lived access tokens for scripts: the secret is shown once, at creation; the Store keeps its
 * SHA-256 (`/auth/tokens/<hash>`) and a per-user index entry (`/auth/user-tokens/<user>/<id>`) for listing
 * and revoking by id. Creating one pins the user, so a token cannot outlive a user removed at the same
 * moment (and so be inherited by a later user of the same name).
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import { isoAt, type IdentityContext } from './context.js';
import { identityKeys as keys } from './keys.js';
import { accessTokenSchema, decode, encode, userTokenSchema, type AccessTokenRecord } from './records.js';
import { ACCESS_TOKEN_PREFIX, hashSecret, newSecret } from './secrets.js';
import { commit, retrying, TxnBuilder } from './txn.js';

export interface AccessTokenInfo {
  readonly id: string;
  readonly label: string;
  readonly createdAt: string;
}

export interface NewAccessToken extends AccessTokenInfo {
  /** The secret; shown this once and never again. */
  readonly token: string;
  readonly revision: number;
}

function checkLabel(label: unknown): string {
  if (typeof label !== 'string' || label.trim().length === 0 || label.length > 100) {
    throw new InvalidArgumentError('label must be 1-100 characters, e.g. "ci-deploy"', {
      detail: { field: 'label' },
    });
  }
  return label;
}

export class AccessTokens {
  constructor(private readonly ctx: IdentityContext) {}

  async create(user: string, input: { readonly label: string }): Promise<NewAccessToken> {
    const label = checkLabel(input.label);
    const token = newSecret(ACCESS_TOKEN_PREFIX);
    const hash = hashSecret(token);
    const id = randomBytes(8).toString('hex');
    const createdAt = isoAt(this.ctx);
    const record: AccessTokenRecord = { id, user, label, createdAt };
    const revision = await retrying('create the access token', async () => {
      const userKv = await this.ctx.store.get(keys.user(user));
      if (!userKv) throw new NotFoundError(`user ${JSON.stringify(user)} does not exist`);
      const txn = new TxnBuilder()
        .touch(userKv)
        .expect(keys.token(hash), 0)
        .expect(keys.userToken(user, id), 0);
      txn
        .put(keys.token(hash), encode(record))
        .put(keys.userToken(user, id), encode({ hash, label, createdAt }));
      return commit(this.ctx.store, txn);
    });
    await this.ctx.afterWrite(revision);
    return { id, label, createdAt, token, revision };
  }

  async list(user: string): Promise<readonly AccessTokenInfo[]> {
    const { kvs } = await this.ctx.store.range(keys.userTokens(user));
    return kvs.map((kv) => {
      const { label, createdAt } = decode(userTokenSchema, kv);
      return { id: kv.key.slice(keys.userTokens(user).length), label, createdAt };
    });
  }

  async revoke(user: string, id: string): Promise<{ revision: number }> {
    const revision = await retrying('revoke the access token', async () => {
      const kv = await this.ctx.store.get(keys.userToken(user, id));
      if (!kv)
        throw new NotFoundError(`user ${JSON.stringify(user)} has no access token ${JSON.stringify(id)}`);
      const { hash } = decode(userTokenSchema, kv);
      return commit(
        this.ctx.store,
        new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key).delete(keys.token(hash)),
      );
    });
    // Only /auth/ changed: nothing for the access model to catch up with.
    return { revision };
  }

  async lookup(token: string): Promise<AccessTokenRecord | undefined> {
    const kv = await this.ctx.store.get(keys.token(hashSecret(token)));
    return kv ? decode(accessTokenSchema, kv) : undefined;
  }
}
