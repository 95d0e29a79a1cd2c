/**
 * The controller's REST API, end to end over HTTPS, as an administrator and as ordinary users would use
 * it. Run against each Store implementation by api-*.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { pino } from 'pino';
import { createIdentity } from '@stevedore/identity';
import type { Store } from '@stevedore/store';
import { startControlPlane, type ControlPlane } from '../src/index.js';
import { apiClient, type ApiResponse } from './api-client.js';
import { bundleCases } from './bundles.case.js';

const ADMIN_PASSWORD = 'correct horse battery staple';
const PASSWORD = 'alice-password-1';
const BUNDLE_DAYS = 30;

export function apiCases(
  name: string,
  openStore: (dataDir: string) => Promise<{ store: Store; close(): Promise<void> }>,
) {
  describe(`controller REST API on ${name}`, () => {
    let dataDir: string;
    let opened: { store: Store; close(): Promise<void> };
    let plane: ControlPlane;
    let call: ReturnType<typeof apiClient>;
    let admin: string;

    const login = async (username: string, password: string) => {
      const res = await call('POST', '/auth/login', { body: { username, password } });
      assert.equal(res.status, 200, res.text);
      return res.json<{ auth_token: string }>().auth_token;
    };
    const ok = (res: ApiResponse, status = 200) => {
      assert.equal(res.status, status, `${res.status}: ${res.text}`);
      return res;
    };

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'stevedore-api-'));
      opened = await openStore(dataDir);
      plane = await startControlPlane({
        store: opened.store,
        dataDir,
        host: '127.0.0.1',
        port: 0,
        logger: pino({ level: 'silent' }),
        version: 'test',
        adminPassword: ADMIN_PASSWORD,
        identity: { kdf: { log2N: 10 }, throttle: { maxFailures: 3 } },
        clientBundleLifetimeDays: BUNDLE_DAYS,
      });
      call = apiClient(plane.url, plane.clusterCaPem);
      admin = await login('admin', ADMIN_PASSWORD);
    });
    after(async () => {
      await plane?.close();
      await opened?.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('answers health, the CA and its OpenAPI document without credentials', async () => {
      assert.equal(ok(await call('GET', '/_ping')).text, 'OK');
      const ca = ok(await call('GET', '/ca')).text;
      assert.equal(new X509Certificate(ca).fingerprint256, plane.clusterCaFingerprint);
      const doc = ok(await call('GET', '/api/openapi.json')).json<{
        openapi: string;
        paths: Record<string, unknown>;
      }>();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.paths['/api/v1/grants'] && doc.paths['/api/v1/orgs/{org}/teams/{team}/members/{user}']);
    });

    it('made the first administrator once, with the given password', () => {
      assert.deepEqual(plane.firstAdmin, { username: 'admin', password: ADMIN_PASSWORD, generated: false });
    });

    it('lets the admin build an org, a team, a user, a collection and a grant, and reads them back', async () => {
      ok(await call('POST', '/api/v1/orgs', { token: admin, body: { name: 'acme' } }), 201);
      ok(
        await call('POST', '/api/v1/orgs/acme/teams', {
          token: admin,
          body: { name: 'dev', description: 'developers' },
        }),
        201,
      );
      const alice = ok(
        await call('POST', '/api/v1/users', { token: admin, body: { name: 'alice', password: PASSWORD } }),
        201,
      );
      assert.equal(alice.json().defaultCollection, '/Shared/Private/alice');
      ok(await call('PUT', '/api/v1/orgs/acme/teams/dev/members/alice', { token: admin }), 204);
      ok(await call('POST', '/api/v1/collections', { token: admin, body: { path: '/Shared/dev' } }), 201);
      const grant = ok(
        await call('POST', '/api/v1/grants', {
          token: admin,
          body: {
            subject: { kind: 'team', id: 'acme/dev' },
            roleId: 'full-control',
            collection: '/Shared/dev',
          },
        }),
        201,
      ).json<{ id: string }>();

      const members = ok(await call('GET', '/api/v1/orgs/acme/teams/dev/members', { token: admin })).json();
      assert.deepEqual(members, { items: [{ user: 'alice' }] });
      const grants = ok(await call('GET', '/api/v1/grants', { token: admin })).json<{
        items: { id: string }[];
      }>();
      assert.ok(grants.items.some((g) => g.id === grant.id));
      const collection = ok(await call('GET', '/api/v1/collections/Shared/dev', { token: admin })).json();
      assert.deepEqual(collection, { path: '/Shared/dev', builtin: false });

      const audit = ok(await call('GET', '/api/v1/audit?actor=admin', { token: admin })).json<{
        items: { action: string; target: string; result: string }[];
      }>();
      const actions = audit.items.map((e) => `${e.action} ${e.target} ${e.result}`);
      for (const expected of [
        'org.create org:acme success',
        'team.create team:acme/dev success',
        'user.create user:alice success',
        'team.member.add team:acme/dev/user:alice success',
        'collection.create collection:/Shared/dev success',
        `grant.create grant:${grant.id} success`,
      ]) {
        assert.ok(actions.includes(expected), `audit log lacks "${expected}": ${actions.join('; ')}`);
      }
    });

    it('shows an ordinary user only what is theirs, with 404 rather than 403 for the rest', async () => {
      const alice = await login('alice', PASSWORD);
      assert.equal(ok(await call('GET', '/api/v1/me', { token: alice })).json().name, 'alice');
      const collections = ok(await call('GET', '/api/v1/collections', { token: alice })).json<{
        items: { path: string }[];
      }>();
      assert.deepEqual(collections.items.map((c) => c.path).sort(), ['/Shared/Private/alice', '/Shared/dev']);
      assert.equal((await call('GET', '/api/v1/users/admin', { token: alice })).status, 404);
      assert.equal((await call('DELETE', '/api/v1/users/admin', { token: alice })).status, 404);
      assert.equal((await call('GET', '/api/v1/collections/System', { token: alice })).status, 404);
      const forbidden = await call('POST', '/api/v1/orgs', { token: alice, body: { name: 'mine' } });
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.json<{ error: { code: string } }>().error.code, 'PERMISSION_DENIED');
      ok(await call('POST', '/api/v1/orgs', { token: admin, body: { name: 'other' } }), 201);
      assert.equal((await call('GET', '/api/v1/orgs/other', { token: alice })).status, 404);
      assert.equal((await call('GET', '/api/v1/orgs/nosuch', { token: alice })).status, 404);
      assert.equal(ok(await call('GET', '/api/v1/orgs/acme', { token: alice })).json().name, 'acme');
    });

    it('takes a removed grant away at once', async () => {
      const alice = await login('alice', PASSWORD);
      const grants = ok(await call('GET', '/api/v1/grants', { token: alice })).json<{
        items: { id: string; collection: string }[];
      }>();
      const dev = grants.items.find((g) => g.collection === '/Shared/dev');
      assert.ok(dev);
      ok(await call('DELETE', `/api/v1/grants/${dev.id}`, { token: admin }), 204);
      const after = ok(await call('GET', '/api/v1/collections', { token: alice })).json<{
        items: { path: string }[];
      }>();
      assert.deepEqual(
        after.items.map((c) => c.path),
        ['/Shared/Private/alice'],
      );
    });

    it('refuses bad requests with a stable code and the field named, and changes nothing', async () => {
      const unknownField = await call('POST', '/api/v1/users', {
        token: admin,
        body: { name: 'bob', password: PASSWORD, isRoot: true },
      });
      assert.equal(unknownField.status, 400);
      assert.match(unknownField.json<{ error: { message: string } }>().error.message, /isRoot/);
      const badName = await call('POST', '/api/v1/users', {
        token: admin,
        body: { name: 'Bob!', password: PASSWORD },
      });
      assert.equal(badName.status, 400);
      assert.equal(badName.json<{ error: { detail: { field: string } } }>().error.detail.field, 'name');
      const shortPassword = await call('POST', '/api/v1/users', {
        token: admin,
        body: { name: 'bob', password: 'x' },
      });
      assert.equal(shortPassword.status, 400);
      const notJson = await call('POST', '/api/v1/orgs', {
        token: admin,
        rawBody: '{"name":',
        contentType: 'application/json',
      });
      assert.equal(notJson.status, 400);
      assert.equal(notJson.json<{ error: { code: string } }>().error.code, 'INVALID_ARGUMENT');
      assert.equal(
        (await call('GET', '/api/v1/users/bob', { token: admin })).status,
        404,
        'nothing was created',
      );
      const dup = await call('POST', '/api/v1/orgs', { token: admin, body: { name: 'acme' } });
      assert.equal(dup.status, 409);
      assert.equal((await call('GET', '/api/v1/me')).status, 401);
      assert.equal((await call('GET', '/api/v1/me', { token: 'forged' })).status, 401);
      assert.equal((await call('GET', '/api/v1/nowhere', { token: admin })).status, 404);
    });

    it('keeps a custom role while a grant uses it', async () => {
      const role = ok(
        await call('POST', '/api/v1/roles', {
          token: admin,
          body: { name: 'Log Reader', operations: ['service.logs', 'service.view'] },
        }),
        201,
      ).json<{ id: string }>();
      const grant = ok(
        await call('POST', '/api/v1/grants', {
          token: admin,
          body: { subject: { kind: 'user', id: 'alice' }, roleId: role.id, collection: '/Shared/dev' },
        }),
        201,
      ).json<{ id: string }>();
      const refused = await call('DELETE', `/api/v1/roles/${role.id}`, { token: admin });
      assert.equal(refused.status, 412, refused.text);
      ok(await call('DELETE', `/api/v1/grants/${grant.id}`, { token: admin }), 204);
      ok(await call('DELETE', `/api/v1/roles/${role.id}`, { token: admin }), 204);
    });

    it('ends a session on logout, and access tokens work until revoked', async () => {
      const session = await login('admin', ADMIN_PASSWORD);
      const created = ok(
        await call('POST', '/api/v1/me/tokens', { token: session, body: { label: 'ci' } }),
        201,
      ).json<{
        id: string;
        token: string;
      }>();
      assert.equal(ok(await call('GET', '/api/v1/me', { token: created.token })).json().name, 'admin');
      const listed = ok(await call('GET', '/api/v1/me/tokens', { token: session })).text;
      assert.doesNotMatch(listed, new RegExp(created.token));
      ok(await call('DELETE', `/api/v1/me/tokens/${created.id}`, { token: session }), 204);
      assert.equal((await call('GET', '/api/v1/me', { token: created.token })).status, 401);
      ok(await call('POST', '/auth/logout', { token: session }), 204);
      assert.equal((await call('GET', '/api/v1/me', { token: session })).status, 401);
    });

    bundleCases(() => ({
      plane,
      call,
      store: opened.store,
      dataDir,
      admin,
      alice: () => login('alice', PASSWORD),
      lifetimeDays: BUNDLE_DAYS,
    }));

    it('lets an administrator change session and bundle lifetimes at run time, on every controller', async () => {
      const settings = ok(await call('GET', '/api/v1/settings', { token: admin })).json();
      assert.equal(settings['clientBundleLifetimeDays'], BUNDLE_DAYS);
      const alice = await login('alice', PASSWORD);
      assert.equal((await call('GET', '/api/v1/settings', { token: alice })).status, 403);
      assert.equal((await call('PATCH', '/api/v1/settings', { token: alice, body: {} })).status, 403);
      const bad = await call('PATCH', '/api/v1/settings', { token: admin, body: { maxSessionsPerUser: 0 } });
      assert.equal(bad.status, 400);
      assert.match(bad.text, /maxSessionsPerUser/);
      const inverted = await call('PATCH', '/api/v1/settings', {
        token: admin,
        body: { sessionLifetimeMinutes: 30, sessionRenewalThresholdMinutes: 60 },
      });
      assert.equal(inverted.status, 400);
      assert.match(inverted.text, /less than sessionLifetimeMinutes/);

      const changed = {
        sessionLifetimeMinutes: 60,
        sessionRenewalThresholdMinutes: 10,
        clientBundleLifetimeDays: 7,
      };
      assert.deepEqual(ok(await call('PATCH', '/api/v1/settings', { token: admin, body: changed })).json(), {
        ...settings,
        ...changed,
      });
      const session = ok(
        await call('POST', '/auth/login', { body: { username: 'alice', password: PASSWORD } }),
      );
      const expires = Date.parse(session.json<{ expires_at: string }>().expires_at);
      assert.ok(
        Math.abs(expires - Date.now() - 60 * 60_000) < 60_000,
        `session ends ${new Date(expires).toISOString()}`,
      );
      // Another controller on the same Store applies what this one stored.
      const other = createIdentity(opened.store);
      await other.clusterSettings.start();
      try {
        assert.equal(other.clusterSettings.current().sessionLifetimeMinutes, 60);
        assert.equal(other.settings.sessions.lifetimeMinutes, 60);
      } finally {
        await other.clusterSettings.close();
      }
      const audit = ok(
        await call('GET', '/api/v1/audit?action=settings.update&result=success', { token: admin }),
      );
      assert.equal(audit.json<{ items: unknown[] }>().items.length, 1);
      ok(await call('PATCH', '/api/v1/settings', { token: admin, body: settings }));
    });

    // Last: it locks 127.0.0.1 out of logging in.
    it('throttles failed logins without telling whether the user exists', async () => {
      const unknown = await call('POST', '/auth/login', {
        body: { username: 'nobody', password: 'whatever1' },
      });
      const wrong = await call('POST', '/auth/login', { body: { username: 'alice', password: 'whatever1' } });
      assert.equal(unknown.status, 401);
      assert.equal(wrong.status, 401);
      assert.equal(unknown.text, wrong.text);
      await call('POST', '/auth/login', { body: { username: 'alice', password: 'whatever1' } });
      await call('POST', '/auth/login', { body: { username: 'alice', password: 'whatever1' } });
      const throttled = await call('POST', '/auth/login', {
        body: { username: 'alice', password: PASSWORD },
      });
      assert.equal(throttled.status, 429);
      assert.ok(Number(throttled.headers['retry-after']) > 0);
      const failures = ok(
        await call('GET', '/api/v1/audit?action=auth.login&result=failure', { token: admin }),
      ).json<{
        items: { target: string }[];
      }>();
      assert.ok(failures.items.some((e) => e.target === 'user:nobody'));
    });
  });
}
