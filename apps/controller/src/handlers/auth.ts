/** Login, logout, and what a caller does with their own account: password and access tokens. */
import type { Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';

type AuthHandlers = Pick<
  Handlers,
  | 'login'
  | 'logout'
  | 'me'
  | 'changeOwnPassword'
  | 'listAccessTokens'
  | 'createAccessToken'
  | 'revokeAccessToken'
>;

export function authHandlers({ identity }: Services): AuthHandlers {
  return {
    login: async ({ body, remoteAddress, audit }) => {
      audit.target = `user:${body.username}`;
      const session = await identity.login(body.username, body.password, { remoteAddress });
      audit.actor = session.username;
      return { body: { auth_token: session.token, expires_at: session.expiresAt } };
    },
    logout: async ({ caller }) => {
      await identity.logout(caller.token);
      return {};
    },
    me: async ({ caller }) => ({ body: await identity.users.get(caller.name) }),
    changeOwnPassword: async ({ caller, body, remoteAddress, audit }) => {
      audit.target = `user:${caller.name}`;
      // Proving the old password goes through login, so guessing it here is throttled like any login.
      const proof = await identity.login(caller.name, body.oldPassword, { remoteAddress });
      await identity.logout(proof.token);
      await identity.users.setPassword(caller.name, body.newPassword);
      return {};
    },
    listAccessTokens: async ({ caller }) => ({ body: { items: await identity.tokens.list(caller.name) } }),
    createAccessToken: async ({ caller, body, audit }) => {
      const created = await identity.tokens.create(caller.name, {
        label: body.label,
        ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt } : {}),
        ...(body.scope !== undefined ? { scope: body.scope } : {}),
      });
      audit.target = `token:${created.id}`;
      const { revision: _revision, ...shown } = created;
      return { body: shown };
    },
    revokeAccessToken: async ({ caller, params, audit }) => {
      audit.target = `token:${params.id}`;
      await identity.tokens.revoke(caller.name, params.id);
      return {};
    },
  };
}
