/**
 * The signed-in session: the bearer token, the calling user (`GET /api/v1/me`), login and logout. A 401
 * from any call ends the session (the API client reports it) and the login page says why.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { RouteOutput } from '../api/client.js';
import { tokenStore } from './token-store.js';
import { useApiClient } from '../api/api-context.js';
import { useApiQuery } from '../api/hooks.js';

export type User = RouteOutput<'me'>;

export interface Session {
  readonly token: string | null;
  readonly user: User | undefined;
  /** The `me` query, for its loading and error states. */
  readonly loading: boolean;
  readonly error: Error | null;
  /** Why the last session ended, for the login page ("your session has expired"). */
  readonly notice: string | null;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** The notice after an explicit logout (the login page then forgets where the user was). */
export const LOGGED_OUT = 'You have logged out.';

export interface SessionState {
  readonly token: string | null;
  readonly notice: string | null;
  readonly setToken: (token: string | null, notice?: string | null) => void;
}

/** Token state lives above the API client (which reads it); see main.tsx. */
export function SessionProvider({ state, children }: { state: SessionState; children: ReactNode }) {
  const api = useApiClient();
  const queryClient = useQueryClient();
  const me = useApiQuery('me', undefined, { enabled: state.token !== null });
  const { setToken } = state;

  const login = useCallback(
    async (username: string, password: string) => {
      const { auth_token } = await api.call('login', { body: { username, password } });
      queryClient.clear();
      setToken(auth_token, null);
    },
    [api, queryClient, setToken],
  );
  const logout = useCallback(async () => {
    await api.call('logout').catch(() => undefined);
    setToken(null, LOGGED_OUT);
    queryClient.clear();
  }, [api, queryClient, setToken]);

  const value = useMemo<Session>(
    () => ({
      token: state.token,
      user: state.token ? me.data : undefined,
      loading: state.token !== null && me.isPending,
      error: me.error,
      notice: state.notice,
      login,
      logout,
    }),
    [state.token, state.notice, me.data, me.isPending, me.error, login, logout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** Holds the token (mirrored to sessionStorage) in React state. */
export function useSessionState(initial: string | null): SessionState {
  const [{ token, notice }, set] = useState<{ token: string | null; notice: string | null }>({
    token: initial,
    notice: null,
  });
  const setToken = useCallback((next: string | null, nextNotice: string | null = null) => {
    tokenStore.set(next);
    set({ token: next, notice: nextNotice });
  }, []);
  return { token, notice, setToken };
}
