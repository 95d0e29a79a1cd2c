/**
 * A small client over the controller's Docker API proxy (`/api/docker/v1.41/…`), authorized with the
 * session's bearer token exactly like that user's CLI: lists arrive filtered, an invisible resource is the
 * engine's own 404, a refusal is a 403 saying which rule refused. Every failure becomes the dashboard's
 * ApiError with the engine's (or proxy's) message and status, so pages explain refusals the same way as
 * REST ones. Paths are Engine API paths without the version (`/services`, `/nodes/{id}/update`).
 */
import { ApiError } from './api-error.js';

export * from './docker-types.js';

export const DOCKER_API_PREFIX = '/api/docker/v1.41';

/** Query values: objects (e.g. `filters`) are sent as JSON, as the Engine API expects. */
export type DockerQuery = Readonly<Record<string, string | number | boolean | object | undefined>>;

export interface DockerClient {
  get<T>(path: string, query?: DockerQuery): Promise<T>;
  /** JSON body in and out; answers undefined when the engine sends no JSON (204, 304). */
  post<T = unknown>(path: string, body?: unknown, query?: DockerQuery): Promise<T>;
  delete(path: string, query?: DockerQuery): Promise<void>;
  /** The raw body of a streamed answer (logs, events), until the signal aborts it. */
  stream(
    path: string,
    query: DockerQuery | undefined,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
}

export interface DockerClientOptions {
  /** '' for the same origin. */
  readonly baseUrl: string;
  readonly getToken: () => string | null;
  /** Called on a 401, so the session can check whether it has ended. */
  readonly onUnauthorized?: () => void;
  readonly fetch?: typeof fetch;
}

/** Engine statuses as the dashboard's stable codes (the same words @stevedore/errors uses). */
const CODES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export function dockerUrl(baseUrl: string, path: string, query?: DockerQuery): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    search.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  const s = search.toString();
  return `${baseUrl}${DOCKER_API_PREFIX}${path}${s ? `?${s}` : ''}`;
}

/** The engine's `{ "message": … }` (or a plain-text body) as an ApiError. */
export async function dockerErrorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let status = res.status;
  let code = CODES[status] ?? 'UNKNOWN';
  let message = text.trim();
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } };
    if (typeof body.message === 'string') message = body.message;
    // The controller's own 404 for /api/docker/…: it runs without a Docker engine.
    if (typeof body.error?.message === 'string' && body.error.message.startsWith('no API route')) {
      [status, code, message] = [503, 'UNAVAILABLE', 'this controller has no Docker engine configured'];
    } else if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // not JSON: the text is the message
  }
  if (!message) message = `the Docker API answered ${res.status} ${res.statusText}`;
  return new ApiError(status, code, message);
}

export function createDockerClient(options: DockerClientOptions): DockerClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function send(
    method: string,
    path: string,
    query?: DockerQuery,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    const token = options.getToken();
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(dockerUrl(options.baseUrl, path, query), {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiError(0, 'UNAVAILABLE', err instanceof Error ? err.message : String(err));
    }
    // 304: "already started / stopped", which is what was asked.
    if (res.ok || res.status === 304) return res;
    if (res.status === 401) options.onUnauthorized?.();
    throw await dockerErrorOf(res);
  }

  async function json<T>(res: Response): Promise<T> {
    const text = res.status === 204 || res.status === 304 ? '' : await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(
        res.status,
        'UNEXPECTED_RESPONSE',
        `the Docker API answered text, not JSON: ${text.slice(0, 200)}`,
      );
    }
  }

  return {
    get: async <T>(path: string, query?: DockerQuery) => json<T>(await send('GET', path, query)),
    post: async <T>(path: string, body?: unknown, query?: DockerQuery) =>
      json<T>(await send('POST', path, query, body)),
    delete: async (path, query) => {
      // Read the (empty) body, so the request completes rather than being cut when the answer is dropped.
      await (await send('DELETE', path, query)).text();
    },
    stream: async (path, query, signal) => {
      const res = await send('GET', path, query, undefined, signal);
      if (!res.body) throw new ApiError(res.status, 'UNEXPECTED_RESPONSE', 'the Docker API sent no stream');
      return res.body;
    },
  };
}
