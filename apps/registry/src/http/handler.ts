/**
 * The request handler: parses the route, dispatches by method, and is the one edge where errors become
 * responses (`{"errors":[{code,message,detail}]}` via registry-core's serializer). Unexpected errors are
 * logged with their stack and answered with a generic 500; request headers (Authorization included) are
 * never logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type Registry, registryError, toRegistryErrorResponse } from '@stevedore/registry-core';
import { type HandlerContext, namePath, sendJson } from './context.js';
import { ROUTE_METHODS, type Route, parseRoute } from './routes.js';
import { deleteBlob, getBlob } from './blobs.js';
import { deleteUpload, getUpload, patchUpload, postUpload, putUpload } from './uploads.js';
import { deleteManifest, getManifest, putManifest } from './manifests.js';
import { listCatalog, listReferrers, listTags } from './discovery.js';
import { type TokenAuth, authorize } from './token-auth.js';
import { type AuditSink, requestAuditRecord } from './request-audit.js';

const API_VERSION = 'registry/2.0';

function dispatch(ctx: HandlerContext, route: Route, method: string): Promise<void> {
  switch (route.kind) {
    case 'base':
      sendJson(ctx.res, 200, {});
      return Promise.resolve();
    case 'catalog':
      return listCatalog(ctx);
    case 'tags':
      return listTags(ctx, route.name);
    case 'referrers':
      return listReferrers(ctx, route.name, route.digest);
    case 'blob':
      if (method === 'DELETE') return deleteBlob(ctx, route.name, route.digest);
      return getBlob(ctx, route.name, route.digest, method === 'HEAD');
    case 'manifest':
      if (method === 'PUT') return putManifest(ctx, route.name, route.reference);
      if (method === 'DELETE') return deleteManifest(ctx, route.name, route.reference);
      return getManifest(ctx, route.name, route.reference, method === 'HEAD');
    case 'upload':
      if (method === 'POST') {
        if (route.id !== '') {
          throw registryError(
            'UNSUPPORTED',
            'POST starts an upload at /v2/<name>/blobs/uploads/, not at a session',
            {
              headers: { Allow: 'GET, PATCH, PUT, DELETE' },
            },
          );
        }
        return postUpload(ctx, route.name);
      }
      if (route.id === '')
        throw registryError('BLOB_UPLOAD_UNKNOWN', 'this method needs an upload id in the path');
      if (method === 'PATCH') return patchUpload(ctx, route.name, route.id);
      if (method === 'PUT') return putUpload(ctx, route.name, route.id);
      if (method === 'DELETE') return deleteUpload(ctx, route.name, route.id);
      return getUpload(ctx, route.name, route.id);
  }
}

/** With `auth`, every request passes the token stage (token-auth.ts) before dispatch. */
export function createHandler(registry: Registry, log: Logger, auth?: TokenAuth, audit?: AuditSink) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    res.setHeader('Docker-Distribution-API-Version', API_VERSION);
    const ctx: HandlerContext = { req, res, query, registry, log };
    let route: Route | undefined;
    const seen: { subject?: string } = {};
    try {
      route = parseRoute(path, method);
      if (route === undefined) {
        throw registryError('UNSUPPORTED', `no registry endpoint at ${path}`, { status: 404 });
      }
      const allowed = ROUTE_METHODS[route.kind];
      if (!allowed.includes(method)) {
        throw registryError('UNSUPPORTED', `${method} is not supported on ${path}`, {
          headers: { Allow: allowed.join(', ') },
        });
      }
      const caller = auth ? await authorize(auth, req, route, method, seen) : undefined;
      const routeCtx: HandlerContext = caller
        ? { ...ctx, caller, ...(auth?.authorizer ? { authorizer: auth.authorizer } : {}) }
        : ctx;
      await dispatch(routeCtx, route, method);
    } catch (err) {
      sendError(ctx, err, path);
    }
    if (audit) {
      const remoteAddress = req.socket.remoteAddress ?? '';
      const record = requestAuditRecord({
        route,
        method,
        status: res.statusCode,
        subject: seen.subject,
        remoteAddress,
      });
      if (record) audit(record);
    }
    const level = res.statusCode >= 500 ? 'error' : method === 'GET' || method === 'HEAD' ? 'debug' : 'info';
    if (log.isLevelEnabled(level)) {
      log[level](
        { method, path, status: res.statusCode, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  };
}

const DISCONNECTS = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function clientWentAway(err: unknown, { req, res }: HandlerContext): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  const aborted = (req.destroyed && !req.complete) || res.destroyed;
  return (
    aborted && (typeof code !== 'string' || DISCONNECTS.has(code) || (err as Error).message === 'aborted')
  );
}

function sendError(ctx: HandlerContext, err: unknown, path: string): void {
  const { res, req, log } = ctx;
  if (clientWentAway(err, ctx)) {
    // Nothing to answer: the connection is gone. Uploads keep what they had accepted before.
    log.debug({ method: req.method, path }, 'client went away');
    res.destroy();
    return;
  }
  const response = toRegistryErrorResponse(err);
  if (response.unexpected) log.error({ err, method: req.method, path }, 'unexpected error');
  if (res.headersSent) {
    // The body was already streaming (a client went away, or storage failed mid-blob): only cutting the
    // connection tells the client the body is incomplete.
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { ...response.headers };
  // A 416 on an upload tells the client where to continue (with the Range registry-core set).
  const upload = parseRoute(path, req.method ?? 'GET');
  if (upload?.kind === 'upload' && upload.id !== '' && response.status === 416) {
    headers['Location'] = `/v2/${namePath(upload.name)}/blobs/uploads/${upload.id}`;
  }
  if (req.method === 'HEAD') {
    res.writeHead(response.status, { ...headers, 'Content-Length': 0 });
    res.end();
    return;
  }
  sendJson(res, response.status, response.body, headers);
}
