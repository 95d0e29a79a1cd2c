/**
 * Data hooks over the contract (headlamp's rule: components never fetch). Queries are keyed by route id
 * and input, so a mutation invalidates by route id: `useApiMutation('createOrg', { invalidates: ['listOrgs'] })`.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RouteId } from '@stevedore/api-contract';
import { useApiClient } from './api-context.js';
import { refreshAfterWrite } from './refresh.js';
import type { InputArgs, PageFilters, PagedRouteId, RouteInput, RouteOutput } from './client.js';

export interface QueryOptions {
  readonly enabled?: boolean;
  readonly refetchInterval?: number;
}

/** `useApiQuery('getOrg', { params: { org } }, { enabled })`; routes without input take `undefined`. */
export function useApiQuery<Id extends RouteId>(
  id: Id,
  ...args: object extends RouteInput<Id> ? [RouteInput<Id>?, QueryOptions?] : [RouteInput<Id>, QueryOptions?]
) {
  const [input, options] = args as [RouteInput<Id> | undefined, QueryOptions | undefined];
  const api = useApiClient();
  return useQuery({
    queryKey: [id, input ?? {}],
    queryFn: () => api.call(id, ...([input] as InputArgs<Id>)),
    enabled: options?.enabled ?? true,
    ...(options?.refetchInterval ? { refetchInterval: options.refetchInterval } : {}),
  });
}

/** Every item of a paged route (follows `next`), for lists that search and sort on the client. */
export function useApiList<Id extends PagedRouteId>(id: Id, filters?: PageFilters<Id>) {
  const api = useApiClient();
  return useQuery({ queryKey: [id, 'all', filters ?? {}], queryFn: () => api.all(id, filters) });
}

export function useApiMutation<Id extends RouteId>(
  id: Id,
  options: { invalidates?: readonly RouteId[] } = {},
) {
  const api = useApiClient();
  const queryClient = useQueryClient();
  return useMutation<RouteOutput<Id>, Error, RouteInput<Id>>({
    mutationFn: (input) => api.call(id, ...([input] as InputArgs<Id>)),
    onSuccess: () => refreshAfterWrite(queryClient, options.invalidates ?? []),
  });
}

/** Downloads a binary answer (a client bundle) and hands it to the browser as a file. */
export function useApiDownload<Id extends RouteId>(
  id: Id,
  options: { invalidates?: readonly RouteId[] } = {},
) {
  const api = useApiClient();
  const queryClient = useQueryClient();
  return useMutation<string, Error, RouteInput<Id>>({
    mutationFn: async (input) => {
      const { blob, filename } = await api.download(id, ...([input] as InputArgs<Id>));
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return filename;
    },
    onSuccess: () => refreshAfterWrite(queryClient, options.invalidates ?? []),
  });
}
