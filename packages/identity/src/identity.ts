/**
 * The identity service: one object per controller, over one Store.
 *
 * ```ts
 * const identity = createIdentity(store, { hooks: access.identityHooks, afterWrite: (r) => sync.waitForRevision(r) });
 * await identity.users.create({ name: 'alice', password: '…' }); // + /Shared/Private/alice and its grant
 * const { token } = await identity.login('alice', '…', { remoteAddress });
 * const { user } = await identity.authenticate(token);
 * ```
 */
import type { Store } from '@stevedore/store';
import { ClientBundles } from './bundles.js';
import type { IdentityContext, IdentityHooks } from './context.js';
import { Authenticator, type Authenticated, type LoginResult, type VerifiedCredentials } from './login.js';
import { Memberships } from './members.js';
import { OrgDirectory, TeamDirectory } from './orgs.js';
import { Sessions } from './sessions.js';
import { resolveSettings, type IdentitySettings, type IdentitySettingsInput } from './settings.js';
import { ServiceAccounts } from './service-accounts.js';
import { AccessTokens } from './tokens.js';
import { UserDirectory } from './users.js';
import { ClusterSettings } from './cluster-settings.js';

export interface IdentityOptions extends IdentitySettingsInput {
  /** epoch ms; tests inject a fake clock. */
  readonly now?: () => number;
  readonly hooks?: IdentityHooks;
  /** Awaited after every write with its revision, before the write's promise resolves. */
  readonly afterWrite?: (revision: number) => Promise<void>;
  /** Default validity of new client bundles, until an administrator stores another; 90 days if absent. */
  readonly clientBundleLifetimeDays?: number;
}

export interface Identity {
  readonly settings: IdentitySettings;
  readonly users: UserDirectory;
  readonly orgs: OrgDirectory;
  readonly teams: TeamDirectory;
  readonly members: Memberships;
  readonly tokens: AccessTokens;
  /** Robot accounts of orgs, with tokens only (see service-accounts.ts). */
  readonly serviceAccounts: ServiceAccounts;
  /** Client bundle records (the certificates the docker CLI presents over mTLS). */
  readonly bundles: ClientBundles;
  /** Run-time settings (sessions, bundle lifetime): `start()` it to load stored values and follow changes. */
  readonly clusterSettings: ClusterSettings;
  login(
    username: string,
    password: string,
    options?: { readonly remoteAddress?: string },
  ): Promise<LoginResult>;
  authenticate(token: string): Promise<Authenticated>;
  /**
   * For the registry's token service (HTTP Basic credentials): a password (throttled like `login`), an
   * access token of that user, or a service account's token with its login `<org>+<name>`. No session is
   * created. Every failure is the same UnauthenticatedError (ResourceExhausted while throttled).
   */
  verifyCredentials(
    username: string,
    secret: string,
    options?: { readonly remoteAddress?: string },
  ): Promise<VerifiedCredentials>;
  logout(token: string): Promise<void>;
  /** Deletes expired sessions (they are refused anyway); returns how many. */
  pruneSessions(): Promise<number>;
  /** Deletes the login throttle's records of keys quiet for a window plus the longest lockout. */
  sweepLoginThrottle(): Promise<number>;
}

export function createIdentity(store: Store, options: IdentityOptions = {}): Identity {
  const ctx: IdentityContext = {
    store,
    now: options.now ?? Date.now,
    settings: resolveSettings(options),
    hooks: options.hooks ?? {},
    afterWrite: options.afterWrite ?? (() => Promise.resolve()),
  };
  const sessions = new Sessions(ctx);
  const tokens = new AccessTokens(ctx);
  const auth = new Authenticator(ctx, sessions, tokens);
  const clusterSettings = new ClusterSettings(ctx, {
    sessionLifetimeMinutes: ctx.settings.sessions.lifetimeMinutes,
    sessionRenewalThresholdMinutes: ctx.settings.sessions.renewalThresholdMinutes,
    maxSessionsPerUser: ctx.settings.sessions.perUserLimit,
    clientBundleLifetimeDays: options.clientBundleLifetimeDays ?? 90,
  });
  return {
    get settings() {
      return ctx.settings;
    },
    clusterSettings,
    users: new UserDirectory(ctx),
    orgs: new OrgDirectory(ctx),
    teams: new TeamDirectory(ctx),
    members: new Memberships(ctx),
    tokens,
    serviceAccounts: new ServiceAccounts(ctx, tokens),
    bundles: new ClientBundles(ctx),
    login: (username, password, opts) => auth.login(username, password, opts),
    authenticate: (token) => auth.authenticate(token),
    verifyCredentials: (username, secret, opts) => auth.verifyCredentials(username, secret, opts),
    logout: (token) => auth.logout(token),
    pruneSessions: () => sessions.prune(),
    sweepLoginThrottle: () => auth.sweepThrottle(),
  };
}
