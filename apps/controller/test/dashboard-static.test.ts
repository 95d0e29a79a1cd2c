/**
 * Serving the dashboard: built files with their cache and security headers, index.html for client-side
 * routes that ask for HTML, JSON 404s kept for the API's paths, and a how-to-build page without dist/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandlers } from '../src/http/fastify-errors.js';
import { registerDashboard } from '../src/http/dashboard-static.js';

const html = { accept: 'text/html,application/xhtml+xml' };

async function appWith(distDir: string | undefined): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandlers(app);
  registerDashboard(app, distDir);
  app.get('/api/v1/things', () => ({ items: [] }));
  await app.ready();
  return app;
}

describe('dashboard static serving', () => {
  let dist: string;
  let app: FastifyInstance;
  before(async () => {
    dist = await mkdtemp(join(tmpdir(), 'stevedore-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dist, 'assets', 'index-abc123.js.gz'), gzipSync('console.log(1)'));
    app = await appWith(dist);
  });
  after(async () => {
    await app?.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('serves index.html at / with a strict CSP, revalidated on every load', async () => {
    const res = await app.inject({ url: '/', headers: html });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<title>app<\/title>/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(String(res.headers['content-security-policy']), /script-src 'self';/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'DENY');
  });

  it('caches hashed assets for a year, and sends the gzip twin to clients that accept it', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.body, 'console.log(1)');
    const zipped = await app.inject({
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    assert.equal(zipped.statusCode, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.match(String(zipped.headers['content-type']), /javascript/);
    assert.equal(gunzipSync(zipped.rawPayload).toString(), 'console.log(1)');
    assert.equal((await app.inject({ url: '/assets/index-abc123.js.gz', headers: html })).statusCode, 404);
  });

  it('answers index.html for client-side routes that ask for HTML', async () => {
    for (const url of ['/users', '/orgs/acme/teams/devs?tab=members']) {
      const res = await app.inject({ url, headers: html });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /<title>app<\/title>/);
    }
  });

  it('keeps JSON 404s for API paths, missing assets and clients that do not ask for HTML', async () => {
    for (const url of [
      '/api/v1/nothing',
      '/auth/nothing',
      '/ca/x',
      '/_ping/x',
      '/v1.43/info',
      '/assets/gone.js',
    ]) {
      const res = await app.inject({ url, headers: html });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'NOT_FOUND', url);
    }
    assert.equal((await app.inject({ url: '/users' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'POST', url: '/users', headers: html })).statusCode, 404);
    assert.equal((await app.inject({ url: '/api/v1/things', headers: html })).statusCode, 200);
  });

  it('says how to build the dashboard when dist/ is missing', async () => {
    const bare = await appWith(undefined);
    const res = await bare.inject({ url: '/', headers: html });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /npm run build:dashboard/);
    assert.ok(res.headers['content-security-policy']);
    await bare.close();
  });
});
