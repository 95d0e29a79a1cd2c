/**
 * Data hooks over the Docker API proxy, built like hooks.ts: components never fetch. Queries are keyed
 * `['docker', kind, …]`, so a mutation (or an event, see docker-events.ts) invalidates a whole kind:
 * `useDockerMutation((docker, id: string) => docker.delete(`/services/${id}`), { invalidates: ['services'] })`.
 */
import { useMemo } from 'react';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { tokenStore } from '../session/token-store.js';
import { useApiClient } from './api-context.js';
import { refreshQueries } from './refresh.js';
import {
  createDockerClient,
  type Config,
  type Container,
  type ContainerInspect,
  type DockerClient,
  type Network,
  type Node,
  type Secret,
  type Service,
  type Task,
  type Volume,
} from './docker.js';

/** The kinds of Docker resources the dashboard lists. */
export interface DockerLists {
  nodes: Node;
  services: Service;
  tasks: Task;
  containers: Container;
  networks: Network;
  volumes: Volume;
  secrets: Secret;
  configs: Config;
}
export type DockerKind = keyof DockerLists;
/** What inspecting one resource answers (a container's inspect has more than its list item). */
export type DockerInspect<K extends DockerKind> = K extends 'containers' ? ContainerInspect : DockerLists[K];

/** Engine list filters, e.g. `{ service: [id] }` or `{ label: ['a=b'] }`. */
export type DockerFilters = Readonly<Record<string, readonly string[]>>;

export interface DockerQueryOptions {
  readonly filters?: DockerFilters;
  readonly enabled?: boolean;
  readonly refetchInterval?: number;
}

/** The one Docker client of the app, sharing the session's token; a 401 asks the session whether it ended. */
export function useDockerClient(): DockerClient {
  const api = useApiClient();
  return useMemo(
    () =>
      createDockerClient({
        baseUrl: '',
        getToken: () => tokenStore.get(),
        onUnauthorized: () => void api.call('me').catch(() => undefined),
      }),
    [api],
  );
}

export async function listDocker<K extends DockerKind>(
  docker: DockerClient,
  kind: K,
  filters?: DockerFilters,
): Promise<DockerLists[K][]> {
  const query = filters && Object.keys(filters).length > 0 ? { filters } : {};
  if (kind === 'containers') return docker.get('/containers/json', { all: 1, ...query });
  if (kind === 'volumes') {
    const answer = await docker.get<{ Volumes?: Volume[] | null }>('/volumes', query);
    return (answer.Volumes ?? []) as DockerLists[K][];
  }
  // `status` adds running / desired task counts to each service.
  const extra = kind === 'services' ? { status: true } : {};
  return (await docker.get<DockerLists[K][] | null>(`/${kind}`, { ...extra, ...query })) ?? [];
}

/** Every visible resource of a kind: `useDocker('services')`, `useDocker('tasks', { filters: { service: [id] } })`. */
export function useDocker<K extends DockerKind>(kind: K, options: DockerQueryOptions = {}) {
  const docker = useDockerClient();
  return useQuery({
    queryKey: ['docker', kind, 'list', options.filters ?? {}],
    queryFn: () => listDocker(docker, kind, options.filters),
    enabled: options.enabled ?? true,
    ...(options.refetchInterval ? { refetchInterval: options.refetchInterval } : {}),
  });
}

/** One resource by id or name (`GET /services/{id}`, `GET /containers/{id}/json`). */
export function useDockerInspect<K extends DockerKind>(kind: K, id: string | undefined) {
  const docker = useDockerClient();
  return useQuery({
    queryKey: ['docker', kind, 'inspect', id],
    queryFn: () =>
      docker.get<DockerInspect<K>>(
        kind === 'containers'
          ? `/containers/${encodeURIComponent(id!)}/json`
          : `/${kind}/${encodeURIComponent(id!)}`,
      ),
    enabled: Boolean(id),
  });
}

/** Any other read, cached under `['docker', kind, 'get', path, query]` so events refresh it too. */
export function useDockerGet<T>(
  kind: DockerKind,
  path: string | undefined,
  query?: Readonly<Record<string, string | number>>,
) {
  const docker = useDockerClient();
  return useQuery({
    queryKey: ['docker', kind, 'get', path, query ?? {}],
    queryFn: () => docker.get<T>(path!, query),
    enabled: Boolean(path),
  });
}

export function invalidateDocker(queryClient: QueryClient, kinds: readonly DockerKind[]): Promise<unknown> {
  return refreshQueries(
    queryClient,
    kinds.map((kind) => ['docker', kind]),
  );
}

/** A change through the proxy; on success the named kinds are refetched. */
export function useDockerMutation<I, O = unknown>(
  run: (docker: DockerClient, input: I) => Promise<O>,
  options: { invalidates?: readonly DockerKind[] } = {},
) {
  const docker = useDockerClient();
  const queryClient = useQueryClient();
  return useMutation<O, Error, I>({
    mutationFn: (input) => run(docker, input),
    onSuccess: () => invalidateDocker(queryClient, options.invalidates ?? []),
  });
}
