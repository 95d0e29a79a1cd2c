/**
 * Live updates: follows `GET /events` (JSON lines, already filtered by the proxy to what the user may see)
 * and invalidates the Docker queries an event touches. The stream is aborted on unmount and reconnected
 * with backoff (1 s doubling to 30 s); after a reconnect every Docker query is refetched, since events may
 * have been missed. Several components may call the hook: one stream serves them all.
 */
import { useEffect, useSyncExternalStore } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { DockerClient, DockerEvent } from './docker.js';
import { invalidateDocker, useDockerClient, type DockerKind } from './docker-hooks.js';
import { createEventDecoder } from './docker-stream.js';

/** Which lists an event of each type changes (a task container's events also change its tasks). */
const TOUCHES: Readonly<Record<string, readonly DockerKind[]>> = {
  container: ['containers', 'tasks', 'services'],
  service: ['services', 'tasks'],
  node: ['nodes', 'tasks'],
  network: ['networks'],
  volume: ['volumes'],
  secret: ['secrets'],
  config: ['configs'],
};

export function kindsTouchedBy(event: DockerEvent): readonly DockerKind[] {
  return TOUCHES[event.Type ?? ''] ?? [];
}

type Status = 'connecting' | 'live' | 'reconnecting';
let status: Status = 'connecting';
const listeners = new Set<() => void>();
const setStatus = (next: Status) => {
  status = next;
  listeners.forEach((l) => l());
};

/** One follower per app; it starts with the first subscriber and stops with the last. */
let users = 0;
let stop: (() => void) | null = null;

function follow(docker: DockerClient, queryClient: QueryClient): () => void {
  const abort = new AbortController();
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    try {
      setStatus(failures === 0 ? 'connecting' : 'reconnecting');
      const body = await docker.stream('/events', undefined, abort.signal);
      if (failures > 0) void queryClient.invalidateQueries({ queryKey: ['docker'] });
      setStatus('live');
      failures = 0;
      const decoder = createEventDecoder<DockerEvent>();
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const kinds = new Set(decoder.push(value).flatMap(kindsTouchedBy));
        if (kinds.size > 0) void invalidateDocker(queryClient, [...kinds]);
      }
    } catch {
      // refused, cut or aborted: retried below unless aborted
    }
    if (abort.signal.aborted) return;
    failures++;
    setStatus('reconnecting');
    timer = setTimeout(() => void run(), Math.min(30_000, 1000 * 2 ** (failures - 1)));
  };
  void run();
  return () => {
    abort.abort();
    clearTimeout(timer);
  };
}

/** Keeps Docker queries fresh while mounted; answers whether the event stream is live. */
export function useDockerEvents(): Status {
  const docker = useDockerClient();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (users++ === 0) stop = follow(docker, queryClient);
    return () => {
      if (--users === 0) {
        stop?.();
        stop = null;
      }
    };
  }, [docker, queryClient]);
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => status,
  );
}
