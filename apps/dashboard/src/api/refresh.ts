/**
 * What a successful write (or an event saying something changed) does to the cache: the queries it
 * touched load again. A fetch already under way is cancelled first, because react-query joins an
 * invalidation to a query's first fetch (one that has no data yet) instead of restarting it, and that
 * fetch may have been answered before the change: the old list would stay on screen (an added team member
 * missing from the members).
 */
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { RouteId } from '@stevedore/api-contract';

export function refreshQueries(queryClient: QueryClient, queryKeys: readonly QueryKey[]): Promise<unknown> {
  return Promise.all(
    queryKeys.map(async (queryKey) => {
      await queryClient.cancelQueries({ queryKey });
      await queryClient.invalidateQueries({ queryKey });
    }),
  );
}

/** The queries of these routes, after a write through them. */
export function refreshAfterWrite(queryClient: QueryClient, routes: readonly RouteId[]): Promise<unknown> {
  return refreshQueries(
    queryClient,
    routes.map((route) => [route]),
  );
}
