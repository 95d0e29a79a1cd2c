/**
 * Users: create, read, update, remove. A user name and an org name may not be equal (one namespace, as in
 * UCP): each create compares the other kind's key as absent. Removing a user removes, in one commit, their
 * password, sessions, access tokens, client bundles and memberships, plus whatever the hooks add (their
 * grants).
 */
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import { isoAt, settled, written, type IdentityContext, type Page, type PageOptions } from './context.js';
import { identityKeys as keys } from './keys.js';
import { checkName } from './names.js';
import { checkPassword, hashPassword } from './passwords.js';
import {
  decode,
  encode,
  sessionIndexSchema,
  userBundleSchema,
  userSchema,
  userTokenSchema,
  type User,
} from './records.js';
import { commit, retrying, TxnBuilder, type Written } from './txn.js';

export interface CreateUserInput {
  readonly name: string;
  /** Required for local users; directory users authenticate against the directory. */
  readonly password?: string;
  readonly fullName?: string;
  readonly admin?: boolean;
  readonly active?: boolean;
  /** Defaults to `/Shared/Private/<name>`. */
  readonly defaultCollection?: string;
  readonly source?: 'local' | 'ldap';
}

export interface UpdateUserInput {
  readonly fullName?: string;
  readonly admin?: boolean;
  readonly active?: boolean;
  readonly defaultCollection?: string;
}

function checkFullName(fullName: unknown): string {
  if (typeof fullName !== 'string' || fullName.length > 256) {
    throw new InvalidArgumentError('fullName must be a string of at most 256 characters', {
      detail: { field: 'fullName' },
    });
  }
  return fullName;
}

function checkCollection(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new InvalidArgumentError('defaultCollection must be a collection path such as /Shared/dev', {
      detail: { field: 'defaultCollection' },
    });
  }
  return path;
}

export class UserDirectory {
  constructor(private readonly ctx: IdentityContext) {}

  async create(input: CreateUserInput): Promise<Written<User>> {
    const name = checkName(input.name, 'user');
    const source = input.source ?? 'local';
    const user: User = {
      name,
      fullName: checkFullName(input.fullName ?? ''),
      admin: input.admin ?? false,
      active: input.active ?? true,
      createdAt: isoAt(this.ctx),
      defaultCollection: checkCollection(input.defaultCollection ?? `/Shared/Private/${name}`),
      source,
    };
    if (source === 'local' && input.password === undefined) {
      throw new InvalidArgumentError('a local user needs a password', { detail: { field: 'password' } });
    }
    const hash =
      input.password === undefined
        ? undefined
        : await hashPassword(
            checkPassword(input.password, this.ctx.settings.minPasswordLength),
            this.ctx.settings.kdf,
          );
    const revision = await retrying('create the user', async () => {
      const [existing, org] = await Promise.all([
        this.ctx.store.get(keys.user(name)),
        this.ctx.store.get(keys.org(name)),
      ]);
      if (existing)
        throw new AlreadyExistsError(`user ${name} already exists; choose another name`, {
          detail: { field: 'name' },
        });
      if (org) {
        throw new AlreadyExistsError(`an org is named ${name}; users and orgs share names, choose another`, {
          detail: { field: 'name' },
        });
      }
      const txn = new TxnBuilder().expect(keys.user(name), 0).expect(keys.org(name), 0);
      txn.put(keys.user(name), encode(user));
      if (hash !== undefined) txn.put(keys.password(name), encode({ hash }));
      await this.ctx.hooks.userCreated?.(user, txn);
      return commit(this.ctx.store, txn);
    });
    return written(this.ctx, user, revision);
  }

  async find(name: string): Promise<User | undefined> {
    const kv = await this.ctx.store.get(keys.user(name));
    return kv ? decode(userSchema, kv) : undefined;
  }

  async get(name: string): Promise<User> {
    const user = await this.find(name);
    if (!user) throw new NotFoundError(`user ${JSON.stringify(name)} does not exist`);
    return user;
  }

  async list(options: PageOptions = {}): Promise<Page<User>> {
    const { kvs, more } = await this.ctx.store.range(keys.users, {
      after: options.after === undefined ? undefined : keys.user(options.after),
      limit: options.limit ?? 0,
    });
    return { items: kvs.map((kv) => decode(userSchema, kv)), more };
  }

  async update(name: string, patch: UpdateUserInput): Promise<Written<User>> {
    const changes: Partial<User> = {};
    if (patch.fullName !== undefined) changes.fullName = checkFullName(patch.fullName);
    if (patch.admin !== undefined) changes.admin = Boolean(patch.admin);
    if (patch.active !== undefined) changes.active = Boolean(patch.active);
    if (patch.defaultCollection !== undefined)
      changes.defaultCollection = checkCollection(patch.defaultCollection);
    let user: User | undefined;
    const revision = await retrying('update the user', async () => {
      const kv = await this.ctx.store.get(keys.user(name));
      if (!kv) throw new NotFoundError(`user ${JSON.stringify(name)} does not exist`);
      user = { ...decode(userSchema, kv), ...changes };
      return commit(this.ctx.store, new TxnBuilder().expectUnchanged(kv.key, kv).put(kv.key, encode(user)));
    });
    return written(this.ctx, user!, revision);
  }

  async setPassword(name: string, password: string): Promise<{ revision: number }> {
    const hash = await hashPassword(
      checkPassword(password, this.ctx.settings.minPasswordLength),
      this.ctx.settings.kdf,
    );
    const revision = await retrying('set the password', async () => {
      const [kv, tokens] = await Promise.all([
        this.ctx.store.get(keys.user(name)),
        this.ctx.store.range(keys.userTokens(name)),
      ]);
      if (!kv) throw new NotFoundError(`user ${JSON.stringify(name)} does not exist`);
      const txn = new TxnBuilder().expectUnchanged(kv.key, kv).put(keys.password(name), encode({ hash }));
      // The refresh tokens `docker login` got for the old password go with it; access tokens stay.
      for (const token of tokens.kvs) {
        const entry = decode(userTokenSchema, token);
        if (entry.refresh === true)
          txn.expectUnchanged(token.key, token).delete(token.key).delete(keys.token(entry.hash));
      }
      return commit(this.ctx.store, txn);
    });
    // Only /auth/ changed: nothing for the access model to catch up with.
    return { revision };
  }

  async delete(name: string): Promise<{ revision: number }> {
    const { store } = this.ctx;
    const revision = await retrying('remove the user', async () => {
      const kv = await store.get(keys.user(name));
      if (!kv) throw new NotFoundError(`user ${JSON.stringify(name)} does not exist`);
      const txn = new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key).delete(keys.password(name));
      // Memberships are keyed by org; a scan is fine for a rare, admin-only operation.
      const [orgMembers, teamMembers, tokens, bundles, index] = await Promise.all([
        store.range(keys.orgMembersAll),
        store.range(keys.teamMembersAll),
        store.range(keys.userTokens(name)),
        store.range(keys.userBundles(name)),
        store.get(keys.sessionIndex(name)),
      ]);
      for (const m of [...orgMembers.kvs, ...teamMembers.kvs])
        if (m.key.endsWith(`/${name}`)) txn.delete(m.key);
      for (const t of tokens.kvs) txn.delete(t.key).delete(keys.token(decode(userTokenSchema, t).hash));
      for (const b of bundles.kvs) txn.delete(b.key).delete(keys.bundle(decode(userBundleSchema, b).keyId));
      if (index) {
        txn.expectUnchanged(index.key, index).delete(index.key);
        for (const s of decode(sessionIndexSchema, index).sessions) txn.delete(keys.session(s.hash));
      }
      await this.ctx.hooks.subjectsRemoved?.([{ kind: 'user', id: name }], txn);
      return commit(store, txn);
    });
    return settled(this.ctx, revision);
  }
}
