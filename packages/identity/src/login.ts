/**
 * Login, authentication of a bearer token, logout.
 *
 * Failure paths never tell whether a user exists: unknown user, wrong password, inactive user and a user
 * without a local password all fail with the same Unauthenticated error and message, after the same work
 * (a scrypt verification; against a dummy hash made with the current parameters when there is no user).
 * Throttling (see `throttle.ts`) is checked before any work and counts every such failure, per user name
 * and per remote address.
 *
 * A successful login re-hashes a password made with older KDF parameters, so raising them takes effect as
 * people log in.
 */
import { randomBytes } from 'node:crypto';
import { UnauthenticatedError } from '@stevedore/errors';
import type { IdentityContext } from './context.js';
import { identityKeys as keys } from './keys.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { decode, encode, passwordSchema, userSchema, type User } from './records.js';
import { ACCESS_TOKEN_PREFIX } from './secrets.js';
import type { Sessions } from './sessions.js';
import { LoginThrottle, throttleKeys } from './throttle.js';
import type { AccessTokens } from './tokens.js';
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
    this.throttle = new LoginThrottle(ctx.settings.throttle, ctx.now);
  }

  async login(
    username: string,
    password: string,
    options: { readonly remoteAddress?: string } = {},
  ): Promise<LoginResult> {
    const name = typeof username === 'string' ? username.trim().toLowerCase() : '';
    const remoteAddress = options.remoteAddress ?? null;
    const throttled = [
      throttleKeys.user(name),
      ...(remoteAddress ? [throttleKeys.address(remoteAddress)] : []),
    ];
    this.throttle.check(throttled);
    const given = typeof password === 'string' ? password : '';
    // A name with "/" would address another key; it cannot be a user, so look up nothing (same work after).
    const valid = name.length > 0 && !name.includes('/');
    const [userKv, passwordKv] = valid
      ? await Promise.all([this.ctx.store.get(keys.user(name)), this.ctx.store.get(keys.password(name))])
      : [undefined, undefined];
    const stored = passwordKv ? decode(passwordSchema, passwordKv).hash : undefined;
    const matches = await verifyPassword(given, stored ?? (await this.dummy()));
    const user = userKv ? decode(userSchema, userKv) : undefined;
    if (!user || !user.active || stored === undefined || !matches) {
      this.throttle.failed(throttled);
      throw new UnauthenticatedError(LOGIN_FAILED);
    }
    this.throttle.succeeded(throttleKeys.user(name));
    if (needsRehash(stored, this.ctx.settings.kdf) && passwordKv) {
      const hash = await hashPassword(given, this.ctx.settings.kdf);
      // Best-effort: if the password changed meanwhile, the new one stands.
      await commit(
        this.ctx.store,
        new TxnBuilder().expectUnchanged(passwordKv.key, passwordKv).put(passwordKv.key, encode({ hash })),
      );
    }
    const session = await this.sessions.create(name, remoteAddress);
    return { token: session.token, expiresAt: new Date(session.expiresAt).toISOString(), username: name };
  }

  /** Who presents `token` (a session token or an access token); Unauthenticated otherwise. */
  async authenticate(token: string): Promise<Authenticated> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) {
      throw new UnauthenticatedError(NOT_AUTHENTICATED);
    }
    if (token.startsWith(ACCESS_TOKEN_PREFIX)) {
      const record = await this.tokens.lookup(token);
      const user = record && (await this.activeUser(record.user));
      if (!record || !user) throw new UnauthenticatedError(NOT_AUTHENTICATED);
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
