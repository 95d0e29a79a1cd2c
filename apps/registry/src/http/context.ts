/**
 * What every handler gets: the request and response, the parsed query, the registry, and the logger;
 * with token auth, the authorized caller and the platform's authorizer.
 * Also the small response helpers, so each handler writes status + headers + body in one call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from '@stevedore/registry-core';
import type { RegistryAuthorizer, RequestAccess } from './token-auth.js';

export interface HandlerContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  readonly registry: Registry;
  readonly log: Logger;
  /** The caller, when the registry runs with token auth (absent with auth none). */
  readonly caller?: RequestAccess;
  readonly authorizer?: RegistryAuthorizer;
}

export type Headers = Record<string, string | number | readonly string[]>;

export function send(res: ServerResponse, status: number, headers: Headers, body?: Buffer | string): void {
  const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'Content-Length': payload?.length ?? 0 });
  res.end(payload);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Headers = {}): void {
  send(res, status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(value));
}

/** True when the request carries a body (a length above zero, or chunked transfer encoding). */
export function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return Number(req.headers['content-length'] ?? 0) > 0;
}

export function contentLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  return value === undefined || req.headers['transfer-encoding'] !== undefined ? undefined : Number(value);
}

/** Path-encodes a repository name for Location headers (its slashes stay). */
export function namePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
