/**
 * What a successful write does to the cache: the lists it changed load again. A fetch already under way
 * is cancelled first, because react-query joins an invalidation to a query's first fetch (one that has no
 * data yet) instead of restarting it, and that fetch may have been answered before the write: the old
 * list would stay on screen (an added team member missing from the members).
 */
import type { QueryClient } from '@tanstack/react-query';
import type { RouteId } from '@stevedore/api-contract';

export function refreshAfterWrite(queryClient: QueryClient, keys: readonly RouteId[]): Promise<unknown> {
  return Promise.all(
    keys.map(async (key) => {
      await queryClient.cancelQueries({ queryKey: [key] });
      await queryClient.invalidateQueries({ queryKey: [key] });
    }),
  );
}
