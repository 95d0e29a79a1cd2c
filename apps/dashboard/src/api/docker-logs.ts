/**
 * Logs of a container or service as lines, for the log views: `useDockerLogs('/services/<id>/logs',
 * { follow })` reads the last `tail` lines and, when following, keeps reading as lines arrive (the proxy
 * pipes the engine's stream). A new path or follow setting restarts the read; unmounting aborts it. At
 * most MAX_LINES are kept, so a chatty service cannot grow the page without bound.
 */
import { useEffect, useState } from 'react';
import { useDockerClient } from './docker-hooks.js';
import { createLogDecoder, type LogLine } from './docker-stream.js';

export const MAX_LINES = 5000;

export interface LogsState {
  readonly lines: readonly LogLine[];
  readonly error: unknown;
  /** 'loading' until the first bytes, 'following' while a followed stream is open, then 'done'. */
  readonly phase: 'loading' | 'following' | 'done';
}

export function useDockerLogs(
  path: string | undefined,
  options: { follow: boolean; tail?: number },
): LogsState {
  const docker = useDockerClient();
  const { follow, tail = 200 } = options;
  const [state, setState] = useState<LogsState>({ lines: [], error: null, phase: 'loading' });

  useEffect(() => {
    if (!path) return;
    const abort = new AbortController();
    setState({ lines: [], error: null, phase: 'loading' });
    const append = (more: LogLine[], phase: LogsState['phase']) =>
      setState((s) => ({
        ...s,
        phase,
        lines: more.length ? [...s.lines, ...more].slice(-MAX_LINES) : s.lines,
      }));
    void (async () => {
      try {
        const body = await docker.stream(
          path,
          { stdout: 1, stderr: 1, tail, ...(follow ? { follow: 1 } : {}) },
          abort.signal,
        );
        const decoder = createLogDecoder();
        const reader = body.getReader();
        append([], follow ? 'following' : 'loading');
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          append(decoder.push(value), follow ? 'following' : 'loading');
        }
        append(decoder.end(), 'done');
      } catch (err) {
        if (!abort.signal.aborted) setState((s) => ({ ...s, error: err, phase: 'done' }));
      }
    })();
    return () => abort.abort();
  }, [docker, path, follow, tail]);

  return state;
}
