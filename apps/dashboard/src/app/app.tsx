/**
 * The providers in order: the query cache, the API client (which reads the session token and reports a
 * 401), the session, and the router. Failed queries are retried only when the failure may pass (network,
 * 5xx), never on a refusal or a bad request.
 */
import { useRef, useState } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { ApiProvider } from '../api/api-context.js';
import { isApiError } from '../api/api-error.js';
import { createApiClient } from '../api/client.js';
import { SessionProvider, useSessionState } from '../session/session.js';
import { tokenStore } from '../session/token-store.js';
import { router } from './routes.js';

function shouldRetry(failures: number, error: unknown): boolean {
  if (isApiError(error) && error.status >= 400 && error.status < 500) return false;
  return failures < 2;
}

export function App() {
  const session = useSessionState(tokenStore.get());
  const setToken = useRef(session.setToken);
  setToken.current = session.setToken;
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          // 'always': the browser's online/offline guess (which flips when interfaces change) must not
          // pause calls to the controller; a failed call shows its error state instead.
          // staleTime 0: a page shows what it has at once and refetches, so work done elsewhere appears.
          queries: { retry: shouldRetry, staleTime: 0, networkMode: 'always' },
          mutations: { networkMode: 'always' },
        },
      }),
  );
  const [api] = useState(() =>
    createApiClient({
      baseUrl: '',
      getToken: () => tokenStore.get(),
      onUnauthenticated: () => setToken.current(null, 'Your session has ended. Log in again.'),
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <ApiProvider client={api}>
        <SessionProvider state={session}>
          <RouterProvider router={router} />
        </SessionProvider>
      </ApiProvider>
    </QueryClientProvider>
  );
}
