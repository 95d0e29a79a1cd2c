/**
 * Matching a request to the operation map: strips the optional `/v<major>.<minor>` version prefix, then
 * finds the endpoint whose template fits. Templates without parameters are tried first, so
 * `/containers/json` is the list, never a container called "json".
 */
import { ENGINE_ENDPOINTS, type EngineEndpoint } from './operation-map.js';

export interface MatchedEndpoint {
  readonly endpoint: EngineEndpoint;
  /** `{id}` or `{name}`, decoded, when the template has one. */
  readonly param?: string;
  /** The API version the client asked for (`1.41`), when the path carried one. */
  readonly version?: string;
  /** The path without the version prefix and query. */
  readonly path: string;
}

const VERSION_PREFIX = /^\/v(\d+\.\d+)(?=\/)/;
const MULTI_SEGMENT = /^\/(images|distribution|plugins)\//;

interface Compiled {
  readonly endpoint: EngineEndpoint;
  readonly regex: RegExp;
}

function compile(endpoint: EngineEndpoint): Compiled {
  const paramPattern = MULTI_SEGMENT.test(endpoint.path) ? '(.+?)' : '([^/]+)';
  const source = endpoint.path
    .split(/\{[a-z]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join(paramPattern);
  return { endpoint, regex: new RegExp(`^${source}$`) };
}

const compiled: readonly Compiled[] = [
  ...ENGINE_ENDPOINTS.filter((e) => !e.path.includes('{')),
  ...ENGINE_ENDPOINTS.filter((e) => e.path.includes('{')),
].map(compile);

/** Splits `/v1.41/containers/json?all=1` into the version and the bare path. */
export function splitEnginePath(url: string): { version?: string; path: string } {
  const bare = url.split('?')[0] ?? url;
  const match = VERSION_PREFIX.exec(bare);
  return match ? { version: match[1]!, path: bare.slice(match[0].length) } : { path: bare };
}

export function matchEndpoint(method: string, url: string): MatchedEndpoint | undefined {
  const { version, path } = splitEnginePath(url);
  for (const { endpoint, regex } of compiled) {
    if (endpoint.method !== method) continue;
    const m = regex.exec(path);
    if (!m) continue;
    let param: string | undefined;
    if (m[1] !== undefined) {
      try {
        param = decodeURIComponent(m[1]);
      } catch {
        return undefined;
      }
    }
    return {
      endpoint,
      path,
      ...(param !== undefined ? { param } : {}),
      ...(version !== undefined ? { version } : {}),
    };
  }
  return undefined;
}

const ENGINE_ROOTS = new Set(
  ENGINE_ENDPOINTS.map((e) => e.path.split('/')[1]).filter((s): s is string => Boolean(s)),
);

/** True when the path (versioned or not) addresses the Engine API rather than Stevedore's own API. */
export function isEnginePath(url: string): boolean {
  const { version, path } = splitEnginePath(url);
  if (version !== undefined) return true;
  const root = path.split('/')[1] ?? '';
  // `/auth/login` is Stevedore's; the Engine's is exactly `/auth`.
  if (root === 'auth') return path === '/auth';
  return ENGINE_ROOTS.has(root);
}
