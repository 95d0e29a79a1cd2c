/**
 * Serves the web dashboard (apps/dashboard, built by `npm run build:dashboard`) at `/`.
 *
 * - Built files are served from dist/ with one route per file (no wildcard route, so nothing here can
 *   shadow an API route, now or when more are added); hashed files under /assets/ are cached for a year,
 *   index.html is revalidated on every load. Scripts and styles go out gzipped when the build made a .gz
 *   twin (it does) and the client accepts gzip.
 * - Client-side routes (/users, /orgs/acme, ...) answer index.html, but only for GET/HEAD requests that
 *   accept HTML and lie outside the API's prefixes (/api, /auth, /ca, /_ping, /v1.*, /assets): API
 *   clients keep getting the JSON 404.
 * - Every dashboard answer carries a strict Content-Security-Policy (no inline or eval'd script, same-origin
 *   connections only) and the usual hardening headers.
 * - When dist/ is missing, `/` answers a short page that says how to build it.
 */
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'strict-transport-security': 'max-age=31536000',
};

/** Paths that belong to the APIs, never to the dashboard's client-side routes. */
const API_PATH = /^\/(api|auth|ca|_ping|assets)(\/|$)|^\/v\d+(\.\d+)*(\/|$)/;

/** apps/dashboard/dist next to this package, when it has been built. */
export function dashboardDistDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../../dashboard/dist', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

function secure(reply: FastifyReply): FastifyReply {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
  return reply;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stevedore</title></head>
<body><main><h1>Stevedore</h1>
<p>The web dashboard has not been built. Build it with <code>npm run build:dashboard</code> in the
repository (scripts/start.sh does this), then restart the controller.</p>
<p>The REST API is at <a href="/api/openapi.json">/api/v1</a>.</p></main></body></html>
`;

export function registerDashboard(app: FastifyInstance, distDir: string | undefined): void {
  const wantsPage = (method: string, url: string, accept: string | undefined) =>
    (method === 'GET' || method === 'HEAD') &&
    !API_PATH.test(url.split('?')[0] ?? url) &&
    (accept ?? '').includes('text/html');

  if (!distDir) {
    app.get('/', (_request, reply) => secure(reply).type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }

  const assets = join(distDir, 'assets') + sep;
  void app.register(fastifyStatic, {
    root: distDir,
    prefix: '/',
    wildcard: false,
    // The build writes a .gz twin of each script and style: sent (with Vary) to clients that accept gzip.
    preCompressed: true,
    globIgnore: ['**/*.gz'],
    cacheControl: false,
    setHeaders: (reply, path) => {
      secure(reply);
      reply.header(
        'cache-control',
        path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  // Client-side routes: any other page URL gets index.html (the router in the page takes it from there).
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404 || !wantsPage(request.method, request.url, request.headers.accept)) return;
    await reply.code(200).sendFile('index.html');
    return reply;
  });
}
