/**
 * Login, authentication of a bearer token, logout.
 *
 * Failure paths never tell whether a user exists: unknown user, wrong password, inactive user and a user
 * without a local password all fail with the same Unauthenticated error and message, after the same work
 * (a scrypt verification; against a dummy hash made with the current parameters when there is no user).
 * Throttling (see `throttle.ts`) is checked before any work and counts every such failure, per user name
 * and per remote address.
 *
 * Access tokens are refused by `authenticate` (the REST API) when expired, limited to the registry, or
 * owned by a service account, with the same error as any other bad token.
 *
 * A successful login re-hashes a password made with older KDF parameters, so raising them takes effect as
 * people log in.
 */
import { randomBytes } from 'node:crypto';
import { UnauthenticatedError } from '@stevedore/errors';
import type { IdentityContext } from './context.js';
import { identityKeys as keys } from './keys.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { decode, encode, passwordSchema, userSchema, type AccessTokenRecord, type User } from './records.js';
import { ACCESS_TOKEN_PREFIX } from './secrets.js';
import type { Sessions } from './sessions.js';
import { LoginThrottle, throttleKeys } from './throttle.js';
import { isExpired, type AccessTokens } from './tokens.js';
import { commit, TxnBuilder } from './txn.js';

export interface LoginResult {
  /** The bearer token (UCP's `auth_token`); only its hash is stored. */
  readonly token: string;
  /** ISO 8601; extended when the session is used near its end. */
  readonly expiresAt: string;
  readonly username: string;
}

export type Authenticated =
  | { readonly user: User; readonly via: 'session'; readonly expiresAt: string }
  | { readonly user: User; readonly via: 'access-token'; readonly tokenId: string };

/** What `verifyCredentials` accepted. */
export type VerifiedCredentials =
  | { readonly kind: 'user'; readonly user: User; readonly via: 'password' }
  | { readonly kind: 'user'; readonly user: User; readonly via: 'access-token'; readonly tokenId: string }
  | {
      readonly kind: 'service-account';
      readonly org: string;
      readonly name: string;
      readonly tokenId: string;
    };

const normalized = (username: unknown): string =>
  typeof username === 'string' ? username.trim().toLowerCase() : '';

const LOGIN_FAILED = 'invalid username or password';
const NOT_AUTHENTICATED = 'the session or token is not valid (it may have expired); log in again';

export class Authenticator {
  private readonly throttle: LoginThrottle;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly ctx: IdentityContext,
    private readonly sessions: Sessions,
    private readonly tokens: AccessTokens,
  ) {
    this.throttle = new LoginThrottle(ctx.store, () => ctx.settings.throttle, ctx.now);
  }

  async login(
    username: string,
    password: string,
    options: { readonly remoteAddress?: string } = {},
  ): Promise<LoginResult> {
    const name = normalized(username);
    const remoteAddress = options.remoteAddress ?? null;
    await this.checkPassword(name, password, remoteAddress);
    const session = await this.sessions.create(name, remoteAddress);
    return { token: session.token, expiresAt: new Date(session.expiresAt).toISOString(), username: name };
  }

  /**
   * For the registry's token service: a user's password (throttled and counted as `login` is, with its
   * error), an access token of that user (scope `all` or `registry`, not expired), or a service account's
   * token with its login name `<org>+<name>`. Creates no session. A valid token is accepted even while the
   * name is locked out by the throttle (a token cannot be guessed, and a CI must not be locked out by
   * someone guessing passwords). A secret with the token prefix that does not verify (expired, revoked,
   * another owner's) fails with login's error and counts against the address only, so a forgotten CI
   * credential cannot lock its owner out; anything else goes through the password path, so every failure
   * there does the same work and ends in the same error.
   */
  async verifyCredentials(
    username: string,
    secret: string,
    options: { readonly remoteAddress?: string } = {},
  ): Promise<VerifiedCredentials> {
    const name = normalized(username);
    if (typeof secret === 'string' && secret.startsWith(ACCESS_TOKEN_PREFIX)) {
      const found = await this.tokens.find(secret);
      const verified = found && (await this.tokenHolder(found.record, name));
      if (found && verified) {
        await this.tokens.markUsed(found);
        return verified;
      }
      // An expired, revoked or foreign token is no password guess: counting it against the owner's name
      // would let a forgotten CI credential lock its owner out of logging in. The address still pays.
      await this.tokenFailed(options.remoteAddress ?? null);
      throw new UnauthenticatedError(LOGIN_FAILED);
    }
    const user = await this.checkPassword(name, secret, options.remoteAddress ?? null);
    return { kind: 'user', user, via: 'password' };
  }

  /** Who presents `token` (a session token or an access token); Unauthenticated otherwise. */
  async authenticate(token: string): Promise<Authenticated> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) {
      throw new UnauthenticatedError(NOT_AUTHENTICATED);
    }
    if (token.startsWith(ACCESS_TOKEN_PREFIX)) {
      const found = await this.tokens.find(token);
      const record = found?.record;
      // Registry-only tokens and service accounts' tokens are for the token service, not the REST API.
      const usable =
        record &&
        record.serviceAccount === undefined &&
        (record.scope ?? 'all') === 'all' &&
        !isExpired(record, this.ctx.now());
      const user = usable && (await this.activeUser(record.user));
      if (!found || !record || !user) throw new UnauthenticatedError(NOT_AUTHENTICATED);
      await this.tokens.markUsed(found);
      return { user, via: 'access-token', tokenId: record.id };
    }
    const session = await this.sessions.lookup(token);
    const user = session && (await this.activeUser(session.user));
    if (!session || !user) throw new UnauthenticatedError(NOT_AUTHENTICATED);
    return { user, via: 'session', expiresAt: new Date(session.expiresAt).toISOString() };
  }

  /** Ends a login session. Access tokens are revoked by id instead (`tokens.revoke`). */
  async logout(token: string): Promise<void> {
    if (typeof token !== 'string' || token.startsWith(ACCESS_TOKEN_PREFIX)) return;
    await this.sessions.revoke(token);
  }

  sweepThrottle(): Promise<number> {
    return this.throttle.sweep();
  }

  /** A token that did not verify: throttled per address only, with login's answer. */
  private async tokenFailed(remoteAddress: string | null): Promise<void> {
    if (remoteAddress === null) return;
    const keys = [throttleKeys.address(remoteAddress)];
    await this.throttle.check(keys);
    await this.throttle.failed(keys);
  }

  /** The login path's password check: throttle, the same work and error on every failure, re-hash. */
  private async checkPassword(name: string, password: unknown, remoteAddress: string | null): Promise<User> {
    const throttled = [
      throttleKeys.user(name),
      ...(remoteAddress ? [throttleKeys.address(remoteAddress)] : []),
    ];
    const seen = await this.throttle.check(throttled);
    const given = typeof password === 'string' ? password : '';
    // A name with "/" would address another key, and one with "+" is a service account, which has no
    // password: neither can be a user, so look up nothing (same work after).
    const valid = name.length > 0 && !name.includes('/') && !name.includes('+');
    const [userKv, passwordKv] = valid
      ? await Promise.all([this.ctx.store.get(keys.user(name)), this.ctx.store.get(keys.password(name))])
      : [undefined, undefined];
    const stored = passwordKv ? decode(passwordSchema, passwordKv).hash : undefined;
    const matches = await verifyPassword(given, stored ?? (await this.dummy()));
    const user = userKv ? decode(userSchema, userKv) : undefined;
    if (!user || !user.active || stored === undefined || !matches) {
      await this.throttle.failed(throttled);
      throw new UnauthenticatedError(LOGIN_FAILED);
    }
    await this.throttle.succeeded(throttleKeys.user(name), seen);
    if (needsRehash(stored, this.ctx.settings.kdf) && passwordKv) {
      const hash = await hashPassword(given, this.ctx.settings.kdf);
      // Best-effort: if the password changed meanwhile, the new one stands.
      await commit(
        this.ctx.store,
        new TxnBuilder().expectUnchanged(passwordKv.key, passwordKv).put(passwordKv.key, encode({ hash })),
      );
    }
    return user;
  }

  /** Who a token record authenticates as `name`, or undefined (expired, another owner, owner gone). */
  private async tokenHolder(
    record: AccessTokenRecord,
    name: string,
  ): Promise<VerifiedCredentials | undefined> {
    if (isExpired(record, this.ctx.now()) || record.user !== name) return undefined;
    const sa = record.serviceAccount;
    if (sa) {
      const exists = await this.ctx.store.get(keys.serviceAccount(sa.org, sa.name));
      return exists ? { kind: 'service-account', org: sa.org, name: sa.name, tokenId: record.id } : undefined;
    }
    const user = await this.activeUser(record.user);
    return user ? { kind: 'user', user, via: 'access-token', tokenId: record.id } : undefined;
  }

  private async activeUser(name: string): Promise<User | undefined> {
    const kv = await this.ctx.store.get(keys.user(name));
    const user = kv ? decode(userSchema, kv) : undefined;
    return user?.active ? user : undefined;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'), this.ctx.settings.kdf);
    return this.dummyHash;
  }
}
