/**
 * The registry token service (`/auth/token`, the Docker registry token specification) over HTTPS:
 * anonymous, HTTP Basic with a password, an access token or a service account's token, the OAuth2
 * password and refresh-token grants, each scope cut to the caller's rights (dropped, never refused), and a
 * table of bad requests that each get a clear error and change nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenVerifier } from '@stevedore/registry-auth';
import { createMemoryStore, type Store } from '@stevedore/store';
import type { ControlPlane } from '../src/index.js';
import { startTestPlane, TEST_ADMIN_PASSWORD as ADMIN_PASSWORD } from './test-plane.js';
import { apiClient, type ApiResponse } from './api-client.js';

const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

interface TokenAnswer {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  refresh_token?: string;
}

describe('the registry token service', () => {
  let dataDir: string;
  let store: Store;
  let plane: ControlPlane;
  let call: ReturnType<typeof apiClient>;
  let verifier: TokenVerifier;
  const sessions: Record<string, string> = {};
  let serviceAccountToken: string;

  async function must(method: string, path: string, body?: unknown, token = sessions['admin']) {
    const res = await call(method, path, { ...(body !== undefined ? { body } : {}), token: token! });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
    return res;
  }

  const get = (query: string, authorization?: string): Promise<ApiResponse> =>
    call('GET', `/auth/token?${query}`, authorization ? { headers: { authorization } } : {});
  const post = (form: Record<string, string | string[]>): Promise<ApiResponse> => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
    return call('POST', '/auth/token', {
      rawBody: body.toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
  };

  /** What a token grants, as the registry will read it. */
  async function grants(answer: ApiResponse): Promise<Record<string, string[]>> {
    assert.equal(answer.status, 200, answer.text);
    const token = answer.json<TokenAnswer>().token ?? answer.json<TokenAnswer>().access_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      access: { type: string; name: string; actions: string[] }[];
    };
    // The signature, issuer, audience and lifetime hold, as a registry checks them.
    await verifier.verify(token);
    return Object.fromEntries(claims.access.map((a) => [`${a.type}:${a.name}`, a.actions]));
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'stevedore-registry-token-'));
    store = createMemoryStore();
    plane = await startTestPlane(store, dataDir);
    call = apiClient(plane.url, plane.clusterCaPem);
    verifier = new TokenVerifier({
      issuer: plane.registryAuth.issuer,
      audience: plane.registryAuth.service,
      keys: () => plane.registryAuth.keys(),
    });
    const login = async (username: string, password: string) =>
      (await call('POST', '/auth/login', { body: { username, password } })).json<{ auth_token: string }>()
        .auth_token;
    sessions['admin'] = await login('admin', ADMIN_PASSWORD);
    await must('POST', '/api/v1/orgs', { name: 'acme' });
    await must('POST', '/api/v1/orgs/acme/teams', { name: 'dev' });
    for (const name of ['alice', 'bob'])
      await must('POST', '/api/v1/users', { name, password: `${name}-password` });
    await must('PUT', '/api/v1/orgs/acme/teams/dev/members/alice');
    await must('POST', '/api/v1/repositories', {
      namespace: 'acme',
      name: 'app',
      visibility: 'private',
      description: '',
    });
    await must('PUT', '/api/v1/repositories/acme/app/teams/dev', { access: 'read-write' });
    await must('POST', '/api/v1/orgs/acme/service-accounts', {
      name: 'ci',
      description: 'the CI',
      repositories: [{ name: 'app', access: 'read-only' }],
    });
    serviceAccountToken = (
      await must('POST', '/api/v1/orgs/acme/service-accounts/ci/tokens', { label: 'gitlab' })
    ).json<{ token: string }>().token;
    sessions['alice'] = await login('alice', 'alice-password');
  });

  after(async () => {
    await plane?.close();
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('grants a team member what the team may do, and drops the rest without refusing', async () => {
    const scope = [
      'scope=repository:acme/app:pull,push,delete',
      'scope=repository:acme/missing:pull',
      'scope=repository:alice/tools:pull,push',
      'scope=registry:catalog:*',
    ].join('&');
    assert.deepEqual(
      await grants(await get(`service=stevedore-registry&${scope}`, basic('alice', 'alice-password'))),
      {
        'repository:acme/app': ['pull', 'push'],
        'repository:alice/tools': ['pull', 'push'],
      },
      // The catalog scope is an administrator's: a registry that trusts these tokens but does not filter
      // its catalog (distribution) would list every repository with it. Ours filters without it.
    );
    assert.deepEqual(
      await grants(await get(`service=stevedore-registry&${scope}`, basic('admin', ADMIN_PASSWORD))),
      {
        'repository:acme/app': ['pull', 'push', 'delete'],
        'repository:acme/missing': ['pull'],
        'repository:alice/tools': ['pull', 'push'],
        'registry:catalog': ['*'],
      },
    );
    // A scope given twice (or in one value, space-separated) is one scope with the actions of both.
    const repeated =
      'scope=repository:acme/app:pull&scope=repository:acme/app:push%20repository:acme/app:pull';
    assert.deepEqual(
      await grants(await get(`service=stevedore-registry&${repeated}`, basic('alice', 'alice-password'))),
      { 'repository:acme/app': ['pull', 'push'] },
    );
    // Bob may see nothing of acme: a private repository is dropped exactly like a missing one.
    assert.deepEqual(
      await grants(await get(`service=stevedore-registry&${scope}`, basic('bob', 'bob-password'))),
      {},
    );
  });

  it('serves anonymous callers a token with no rights (anonymous pull is off by default)', async () => {
    const answer = await get('service=stevedore-registry&scope=repository:acme/app:pull');
    assert.deepEqual(await grants(answer), {});
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.equal(answer.json<TokenAnswer>().refresh_token, undefined);
  });

  it('tells signed-in users the service name, and that no registry runs next to this controller', async () => {
    const info = await must('GET', '/api/v1/registry', undefined, sessions['alice']);
    assert.deepEqual(info.json(), { host: null, port: null, service: 'stevedore-registry' });
    assert.equal((await call('GET', '/api/v1/registry')).status, 401);
  });

  it('lets anonymous clients pull public repositories only once an administrator allows it', async () => {
    await must('POST', '/api/v1/repositories', {
      namespace: 'acme',
      name: 'site',
      visibility: 'public',
      description: 'the website',
    });
    const scope = 'service=stevedore-registry&scope=repository:acme/site:pull&scope=repository:acme/app:pull';
    assert.deepEqual(await grants(await get(scope)), {}, 'off by default');
    // Any signed-in user may pull a public repository.
    assert.deepEqual(await grants(await get(scope, basic('bob', 'bob-password'))), {
      'repository:acme/site': ['pull'],
    });
    const bad = await call('PATCH', '/api/v1/registry/settings', {
      token: sessions['admin']!,
      body: { anonymousPull: 'yes' },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual((await must('GET', '/api/v1/registry/settings')).json(), { anonymousPull: false });
    await must('PATCH', '/api/v1/registry/settings', { anonymousPull: true });
    try {
      assert.deepEqual(await grants(await get(scope)), { 'repository:acme/site': ['pull'] });
      // Only administrators change it.
      const refused = await call('PATCH', '/api/v1/registry/settings', {
        token: sessions['alice']!,
        body: { anonymousPull: false },
      });
      assert.equal(refused.status, 403);
    } finally {
      await must('PATCH', '/api/v1/registry/settings', { anonymousPull: false });
    }
  });

  it('accepts an access token and a service account token as the password', async () => {
    const created = await must(
      'POST',
      '/api/v1/me/tokens',
      { label: 'ci', scope: 'registry' },
      sessions['alice'],
    );
    const token = created.json<{ token: string }>().token;
    assert.deepEqual(
      await grants(
        await get('service=stevedore-registry&scope=repository:acme/app:pull', basic('alice', token)),
      ),
      { 'repository:acme/app': ['pull'] },
    );
    // A registry-only token is no key to the REST API.
    assert.equal((await call('GET', '/api/v1/me', { token })).status, 401);
    assert.deepEqual(
      await grants(
        await get(
          'service=stevedore-registry&scope=repository:acme/app:pull,push',
          basic('acme+ci', serviceAccountToken),
        ),
      ),
      { 'repository:acme/app': ['pull'] },
    );
    // The service account's token under another name is a wrong password.
    assert.equal((await get('service=stevedore-registry', basic('alice', serviceAccountToken))).status, 401);
  });

  it('gives docker login a refresh token for a password, usable with the refresh_token grant', async () => {
    const login = await get(
      'service=stevedore-registry&offline_token=true&client_id=docker',
      basic('alice', 'alice-password'),
    );
    const refresh = login.json<TokenAnswer>().refresh_token;
    assert.ok(refresh, login.text);
    const tokens = (await must('GET', '/api/v1/me/tokens', undefined, sessions['alice'])).json<{
      items: { label: string; scope: string; expiresAt?: string }[];
    }>().items;
    const listed = tokens.find((t) => t.label.startsWith('docker login from'));
    assert.equal(listed?.scope, 'registry');
    assert.ok(listed?.expiresAt, 'a refresh token expires');

    const refreshed = await post({
      grant_type: 'refresh_token',
      refresh_token: refresh,
      service: 'stevedore-registry',
      client_id: 'docker',
      scope: 'repository:acme/app:pull,push',
    });
    assert.deepEqual(await grants(refreshed), { 'repository:acme/app': ['pull', 'push'] });
    assert.equal(refreshed.json<{ scope: string }>().scope, 'repository:acme/app:pull,push');

    const password = await post({
      grant_type: 'password',
      username: 'alice',
      password: 'alice-password',
      service: 'stevedore-registry',
      client_id: 'containerd',
      scope: 'repository:acme/app:pull',
    });
    assert.deepEqual(await grants(password), { 'repository:acme/app': ['pull'] });
    assert.equal(password.json<TokenAnswer>().refresh_token, undefined, 'only access_type=offline gets one');
  });

  it('refuses bad requests with a clear error, changing nothing', async () => {
    const before = (await must('GET', '/api/v1/me/tokens', undefined, sessions['alice'])).text;
    const alice = basic('alice', 'alice-password');
    const rows: [string, () => Promise<ApiResponse>, number, string, RegExp][] = [
      [
        'malformed scope',
        () => get('service=stevedore-registry&scope=repository:acme/app', alice),
        400,
        'INVALID_REQUEST',
        /expected repository:<name>:<actions>/,
      ],
      [
        'unknown action',
        () => get('service=stevedore-registry&scope=repository:acme/app:steal', alice),
        400,
        'INVALID_REQUEST',
        /steal/,
      ],
      [
        'unknown resource type',
        () => get('service=stevedore-registry&scope=volume:x:pull', alice),
        400,
        'INVALID_REQUEST',
        /volume/,
      ],
      [
        'a name outside the grammar',
        () => get('service=stevedore-registry&scope=repository:ACME/App:pull', alice),
        400,
        'INVALID_REQUEST',
        /ACME/,
      ],
      [
        'too many scopes',
        () =>
          get(
            `service=stevedore-registry&${Array.from({ length: 40 }, (_, i) => `scope=repository:a/r${i}:pull`).join('&')}`,
            alice,
          ),
        400,
        'INVALID_REQUEST',
        /scopes/,
      ],
      [
        'another service',
        () => get('service=another-registry&scope=repository:acme/app:pull', alice),
        400,
        'INVALID_REQUEST',
        /stevedore-registry/,
      ],
      [
        'the service twice',
        () => get('service=stevedore-registry&service=stevedore-registry', alice),
        400,
        'INVALID_REQUEST',
        /once/,
      ],
      [
        'a wrong password',
        () => get('service=stevedore-registry', basic('alice', 'nope')),
        401,
        'UNAUTHORIZED',
        /invalid username or password/,
      ],
      [
        'an unknown user',
        () => get('service=stevedore-registry', basic('nobody', 'nope')),
        401,
        'UNAUTHORIZED',
        /invalid username or password/,
      ],
      [
        'a bearer token instead of Basic',
        () => get('service=stevedore-registry', `Bearer ${sessions['alice']!}`),
        401,
        'UNAUTHORIZED',
        /Basic/,
      ],
    ];
    for (const [what, send, status, code, message] of rows) {
      const res = await send();
      assert.equal(res.status, status, `${what}: ${res.text}`);
      const body = res.json<{ errors: { code: string; message: string }[]; details: string }>();
      assert.equal(body.errors[0]?.code, code, what);
      assert.match(body.errors[0].message, message, what);
      assert.equal(body.details, body.errors[0].message, `${what}: docker prints details`);
      if (status === 401) assert.match(String(res.headers['www-authenticate']), /^Basic realm=/, what);
    }
    const oauthRows: [string, Record<string, string | string[]>, string, RegExp][] = [
      [
        'an unknown grant',
        { grant_type: 'client_credentials', service: 'stevedore-registry', client_id: 'x' },
        'invalid_request',
        /password or refresh_token/,
      ],
      [
        'no client_id',
        {
          grant_type: 'password',
          service: 'stevedore-registry',
          username: 'alice',
          password: 'alice-password',
        },
        'invalid_request',
        /client_id/,
      ],
      [
        'a wrong refresh token',
        {
          grant_type: 'refresh_token',
          refresh_token: 'sd_not-a-token',
          service: 'stevedore-registry',
          client_id: 'x',
        },
        'invalid_grant',
        /refresh token is not valid/,
      ],
      [
        'the password twice',
        {
          grant_type: 'password',
          service: 'stevedore-registry',
          client_id: 'x',
          username: 'alice',
          password: ['a', 'b'],
        },
        'invalid_request',
        /once/,
      ],
    ];
    for (const [what, form, error, message] of oauthRows) {
      const res = await post(form);
      assert.ok(res.status === 400 || res.status === 401, `${what}: ${res.status} ${res.text}`);
      const body = res.json<{ error: string; error_description: string }>();
      assert.equal(body.error, error, what);
      assert.match(body.error_description, message, what);
    }
    const json = await call('POST', '/auth/token', { body: { grant_type: 'password' } });
    assert.equal(json.status, 400);
    assert.match(json.json<{ error_description: string }>().error_description, /x-www-form-urlencoded/);
    assert.equal((await must('GET', '/api/v1/me/tokens', undefined, sessions['alice'])).text, before);
  });

  it('throttles a guessed password like /auth/login, and audits token requests', async () => {
    // Five failures in five minutes lock out the user name (and this address, which earlier tests' wrong
    // passwords count against too): the lockout comes within five guesses.
    let guesses = 0;
    while ((await get('service=stevedore-registry', basic('bob', `guess-${guesses}`))).status === 401) {
      guesses++;
      assert.ok(guesses <= 5, 'locked out after at most five failures');
    }
    const locked = await get('service=stevedore-registry', basic('bob', 'bob-password'));
    assert.equal(locked.status, 429, locked.text);
    assert.equal(locked.json<{ errors: { code: string }[] }>().errors[0]?.code, 'TOOMANYREQUESTS');
    assert.match(String(locked.headers['retry-after']), /^\d+$/);
    // The same throttle as the login route: bob is locked out there too.
    assert.equal(
      (await call('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } })).status,
      429,
    );

    const deadline = Date.now() + 20_000;
    for (;;) {
      const audit = (await must('GET', '/api/v1/audit?action=registry.token&result=failure')).json<{
        items: { actor: string; status: number; detail?: { user?: string } }[];
      }>().items;
      if (audit.some((e) => e.status === 429 && e.detail?.user === 'bob')) break;
      assert.ok(Date.now() < deadline, 'the token requests reach the audit log');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
