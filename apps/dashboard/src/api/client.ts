/**
 * A typed client over the REST contract: `api.call('createUser', { body })` fills the route's path from
 * `params`, sends `query` and `body`, and checks the answer against the route's response schema, so the
 * dashboard and the server agree by construction. It is the only module that calls fetch.
 */
import type { z } from 'zod';
import { routes, schemas, type RouteId, type RouteSpec } from '@stevedore/api-contract';
import { ApiError } from './api-error.js';

type Routes = typeof routes;
/** The route's schema under K, or undefined when it has none. */
type SchemaOf<Id extends RouteId, K extends string> = Routes[Id] extends { readonly [P in K]: infer S }
  ? S
  : undefined;
type Part<K extends string, S> = S extends z.ZodType
  ? { readonly [P in K]: z.input<S> }
  : { readonly [P in K]?: undefined };

export type RouteInput<Id extends RouteId> = Part<'params', SchemaOf<Id, 'params'>> &
  Part<'query', SchemaOf<Id, 'query'>> &
  Part<'body', SchemaOf<Id, 'body'>>;
export type RouteOutput<Id extends RouteId> =
  SchemaOf<Id, 'response'> extends z.ZodType ? z.output<SchemaOf<Id, 'response'>> : undefined;
type Paged = { items: unknown[]; next: string | null };
/** Routes whose answer is a page (`{ items, next }`). */
export type PagedRouteId = { [Id in RouteId]: RouteOutput<Id> extends Paged ? Id : never }[RouteId];
export type PageItem<Id extends PagedRouteId> = RouteOutput<Id> extends { items: (infer T)[] } ? T : never;

/** A paged route's query without the cursor and page size, which `all` drives. */
export type PageFilters<Id extends PagedRouteId> = Omit<
  NonNullable<RouteInput<Id>['query']>,
  'after' | 'limit'
>;

/** Input is optional for routes that take none. */
export type InputArgs<Id extends RouteId> =
  object extends RouteInput<Id> ? [RouteInput<Id>?] : [RouteInput<Id>];

export interface ApiClientOptions {
  /** '' for the same origin (the dashboard is served by the controller). */
  readonly baseUrl: string;
  readonly getToken: () => string | null;
  /** Called when the session has ended (an authenticated call, and then `me`, answered 401). */
  readonly onUnauthenticated: () => void;
  readonly fetch?: typeof fetch;
}

export interface ApiClient {
  call<Id extends RouteId>(id: Id, ...args: InputArgs<Id>): Promise<RouteOutput<Id>>;
  /** Follows `next` until the last page (or `max` items) and answers every item. */
  all<Id extends PagedRouteId>(id: Id, query?: PageFilters<Id>, max?: number): Promise<PageItem<Id>[]>;
  /** For binary answers (a client bundle zip): the raw bytes with the server's file name. */
  download<Id extends RouteId>(id: Id, ...args: InputArgs<Id>): Promise<{ blob: Blob; filename: string }>;
}

/** A path or query value as text (the contract's params and queries are strings, numbers and booleans). */
function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value);
}

/** `/api/v1/orgs/:org` + `{ org: 'acme' }` -> `/api/v1/orgs/acme`; a trailing `*` takes a path. */
export function fillPath(path: string, params: Record<string, unknown> = {}): string {
  return path
    .replace(/:([A-Za-z_]+)/g, (_, name: string) => encodeURIComponent(text(params[name])))
    .replace(/\*$/, () => text(params['*']).split('/').map(encodeURIComponent).join('/'));
}

function queryString(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') search.set(k, text(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

async function errorOf(res: Response): Promise<ApiError> {
  const retryAfter = Number(res.headers.get('retry-after'));
  const parsed = schemas.errorBody.safeParse(await res.json().catch(() => undefined));
  const { code, message, detail } = parsed.success
    ? parsed.data.error
    : {
        code: 'UNKNOWN',
        message: `the controller answered ${res.status} ${res.statusText}`,
        detail: undefined,
      };
  return new ApiError(res.status, code, message, detail, retryAfter > 0 ? retryAfter : undefined);
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function send(id: RouteId, input: Partial<Record<'params' | 'query' | 'body', unknown>> = {}) {
    const spec: RouteSpec = routes[id];
    const token = options.getToken();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (input.body !== undefined) headers['content-type'] = 'application/json';
    const url = `${options.baseUrl}${fillPath(spec.path, input.params as Record<string, unknown>)}${queryString(input.query as Record<string, unknown>)}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        method: spec.method,
        headers,
        ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
      });
    } catch (err) {
      throw new ApiError(0, 'UNAVAILABLE', err instanceof Error ? err.message : String(err));
    }
    if (!res.ok) {
      const error = await errorOf(res);
      // A 401 can also be a refused credential (a wrong current password): the session has ended only
      // if reading the account fails too.
      if (res.status === 401 && token && spec.access !== 'public') {
        if (id === 'me') options.onUnauthenticated();
        else void call('me').catch(() => undefined);
      }
      throw error;
    }
    return { spec, res };
  }

  async function call(id: RouteId, input?: object): Promise<unknown> {
    const { spec, res } = await send(id, input);
    if (res.status === 204 || !spec.response) return undefined;
    const parsed = spec.response.safeParse(await res.json());
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new ApiError(
      res.status,
      'UNEXPECTED_RESPONSE',
      `the controller's answer to ${id} does not match the API contract (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`,
    );
  }

  return {
    call: call as ApiClient['call'],
    all: (async (id: PagedRouteId, query: object = {}, max = 10_000) => {
      const items: unknown[] = [];
      let after: string | null | undefined;
      do {
        const page = (await call(id, { query: { ...query, limit: 1000, ...(after ? { after } : {}) } })) as {
          items: unknown[];
          next: string | null;
        };
        items.push(...page.items);
        after = page.next;
      } while (after && items.length < max);
      return items;
    }) as ApiClient['all'],
    download: async (id: RouteId, input?: Partial<Record<'params' | 'query' | 'body', unknown>>) => {
      const { res } = await send(id, input);
      const disposition = res.headers.get('content-disposition') ?? '';
      const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? 'download';
      return { blob: await res.blob(), filename };
    },
  };
}
