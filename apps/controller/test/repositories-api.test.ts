/**
 * Registry repositories, their team access, namespace settings, service accounts and the new credential
 * fields over the REST API, end to end over HTTPS against one controller on a memory Store: who sees
 * what (a repository one may not see is a 404 exactly like a missing one), who may change what, and bad
 * input refused with stable codes and nothing changed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys as registryKeys } from '@stevedore/registry-core';
import { createMemoryStore, type Store } from '@stevedore/store';
import type { ControlPlane } from '../src/index.js';
import { startTestPlane, TEST_ADMIN_PASSWORD as ADMIN_PASSWORD } from './test-plane.js';
import { apiClient, type ApiResponse } from './api-client.js';

const PASSWORD = 'user-password-1';

interface Repo {
  path: string;
  visibility: string;
  description: string;
  actions: string[];
}

describe('registry repositories over the REST API', () => {
  let dataDir: string;
  let store: Store;
  let plane: ControlPlane;
  let call: ReturnType<typeof apiClient>;
  const t: Record<string, string> = {};

  const as = (who: string, method: string, path: string, body?: unknown) =>
    call(method, path, { token: t[who]!, ...(body !== undefined ? { body } : {}) });
  const ok = (res: ApiResponse, status = 200) => {
    assert.equal(res.status, status, `${res.status}: ${res.text}`);
    return res;
  };
  const error = (res: ApiResponse, status: number, code: string, field?: string) => {
    assert.equal(res.status, status, res.text);
    const body = res.json<{ error: { code: string; detail?: { field?: string } } }>();
    assert.equal(body.error.code, code, res.text);
    if (field !== undefined) assert.equal(body.error.detail?.field, field, res.text);
    return body;
  };
  const snapshot = async () =>
    JSON.stringify((await store.range('/registry-access/')).kvs.map((kv) => kv.value));

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'stevedore-repos-api-'));
    store = createMemoryStore();
    plane = await startTestPlane(store, dataDir);
    call = apiClient(plane.url, plane.clusterCaPem);
    const login = async (username: string, password: string) =>
      ok(await call('POST', '/auth/login', { body: { username, password } })).json<{ auth_token: string }>()
        .auth_token;
    t['admin'] = await login('admin', ADMIN_PASSWORD);
    for (const name of ['alice', 'bob', 'olga', 'dana'])
      ok(await as('admin', 'POST', '/api/v1/users', { name, password: PASSWORD }), 201);
    ok(await as('admin', 'POST', '/api/v1/orgs', { name: 'acme' }), 201);
    ok(await as('admin', 'POST', '/api/v1/orgs/acme/teams', { name: 'dev' }), 201);
    ok(await as('admin', 'PUT', '/api/v1/orgs/acme/members/olga', { admin: true }), 204);
    ok(await as('admin', 'PUT', '/api/v1/orgs/acme/teams/dev/members/dana'), 204);
    for (const name of ['alice', 'bob', 'olga', 'dana']) t[name] = await login(name, PASSWORD);
  });
  after(async () => {
    await plane?.close();
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists org members with their admin flag, and changes it with PUT', async () => {
    const members = ok(await as('olga', 'GET', '/api/v1/orgs/acme/members')).json();
    assert.deepEqual(members, {
      items: [
        { user: 'dana', admin: false },
        { user: 'olga', admin: true },
      ],
    });
    error(
      await as('admin', 'PUT', '/api/v1/orgs/acme/members/dana', { admin: 'yes' }),
      400,
      'INVALID_ARGUMENT',
      'admin',
    );
    error(
      await as('admin', 'PUT', '/api/v1/orgs/acme/members/dana', { owner: true }),
      400,
      'INVALID_ARGUMENT',
    );
    ok(await as('admin', 'PUT', '/api/v1/orgs/acme/members/dana', { admin: true }), 204);
    ok(await as('admin', 'PUT', '/api/v1/orgs/acme/members/dana', { admin: false }), 204);
    const after = ok(await as('olga', 'GET', '/api/v1/orgs/acme/members')).json<{
      items: { admin: boolean }[];
    }>();
    assert.deepEqual(
      after.items.map((m) => m.admin),
      [false, true],
    );
  });

  it('creates, reads, lists, changes and deletes repositories, names with slashes as %2F', async () => {
    const created = ok(
      await as('alice', 'POST', '/api/v1/repositories', {
        namespace: 'alice',
        name: 'tools/cli',
        visibility: 'private',
        description: 'the CLI',
      }),
      201,
    ).json<Repo>();
    assert.deepEqual([created.path, created.actions], ['alice/tools/cli', ['pull', 'push', 'delete']]);
    ok(
      await as('alice', 'POST', '/api/v1/repositories', {
        namespace: 'alice',
        name: 'web',
        visibility: 'public',
      }),
      201,
    );
    ok(await as('olga', 'POST', '/api/v1/repositories', { namespace: 'acme', name: 'app' }), 201);

    const got = ok(await as('alice', 'GET', '/api/v1/repositories/alice/tools%2Fcli')).json<Repo>();
    assert.equal(got.description, 'the CLI');
    const patched = ok(
      await as('alice', 'PATCH', '/api/v1/repositories/alice/tools%2Fcli', { description: 'renamed' }),
    ).json<Repo>();
    assert.deepEqual([patched.description, patched.visibility], ['renamed', 'private']);

    const list = async (who: string, query = '') =>
      ok(await as(who, 'GET', `/api/v1/repositories${query}`)).json<{ items: Repo[]; next: string | null }>();
    assert.deepEqual(
      (await list('alice')).items.map((r) => r.path),
      ['alice/tools/cli', 'alice/web'],
    );
    assert.deepEqual(
      (await list('admin', '?namespace=acme')).items.map((r) => r.path),
      ['acme/app'],
    );
    assert.deepEqual(
      (await list('alice', '?search=tools')).items.map((r) => r.path),
      ['alice/tools/cli'],
    );
    const page = await list('admin', '?limit=1');
    assert.equal(page.next, 'acme/app');
    assert.deepEqual(
      (await list('admin', `?limit=5&after=${page.next}`)).items.map((r) => r.path),
      ['alice/tools/cli', 'alice/web'],
    );

    ok(await as('alice', 'POST', '/api/v1/repositories', { namespace: 'alice', name: 'scratch' }), 201);
    ok(await as('alice', 'DELETE', '/api/v1/repositories/alice/scratch'), 204);
    error(await as('alice', 'GET', '/api/v1/repositories/alice/scratch'), 404, 'NOT_FOUND');

    const audit = ok(await as('admin', 'GET', '/api/v1/audit?actor=alice')).json<{
      items: { action: string; target: string; result: string }[];
    }>();
    const seen = audit.items.map((e) => `${e.action} ${e.target} ${e.result}`);
    for (const line of [
      'repository.create repository:alice/tools/cli success',
      'repository.update repository:alice/tools/cli success',
      'repository.delete repository:alice/scratch success',
      'repository.get repository:alice/scratch failure',
    ])
      assert.ok(seen.includes(line), `audit log lacks "${line}": ${seen.join('; ')}`);
  });

  it("hides another user's private repository exactly like a missing one", async () => {
    const hidden = await as('bob', 'GET', '/api/v1/repositories/alice/tools%2Fcli');
    const missing = await as('bob', 'GET', '/api/v1/repositories/alice/no%2Fsuch');
    error(hidden, 404, 'NOT_FOUND');
    error(missing, 404, 'NOT_FOUND');
    const message = (res: ApiResponse) => res.json<{ error: { message: string } }>().error.message;
    assert.equal(message(hidden).replace('tools/cli', 'X'), message(missing).replace('no/such', 'X'));
    for (const [method, suffix, body] of [
      ['PATCH', '', { visibility: 'public' }],
      ['DELETE', '', undefined],
      ['GET', '/tags', undefined],
      ['GET', '/teams', undefined],
    ] as const)
      error(
        await as('bob', method, `/api/v1/repositories/alice/tools%2Fcli${suffix}`, body),
        404,
        'NOT_FOUND',
      );
    // Public: bob may pull (see it) but not change it.
    assert.deepEqual(ok(await as('bob', 'GET', '/api/v1/repositories/alice/web')).json<Repo>().actions, [
      'pull',
    ]);
    error(
      await as('bob', 'PATCH', '/api/v1/repositories/alice/web', { description: 'x' }),
      403,
      'PERMISSION_DENIED',
    );
    assert.deepEqual(
      ok(await as('bob', 'GET', '/api/v1/repositories'))
        .json<{ items: Repo[] }>()
        .items.map((r) => r.path),
      ['alice/web'],
    );
    // Nobody but alice and administrators creates in her namespace; to bob it answers as a namespace that
    // does not exist (no account's existence leaks), while an org member is told who may.
    const intoAlice = error(
      await as('bob', 'POST', '/api/v1/repositories', { namespace: 'alice', name: 'x' }),
      404,
      'NOT_FOUND',
    );
    const intoGhost = error(
      await as('bob', 'POST', '/api/v1/repositories', { namespace: 'ghost', name: 'x' }),
      404,
      'NOT_FOUND',
    );
    assert.equal(
      JSON.stringify(intoAlice).replace('alice', 'X'),
      JSON.stringify(intoGhost).replace('ghost', 'X'),
    );
    error(
      await as('dana', 'POST', '/api/v1/repositories', { namespace: 'acme', name: 'x' }),
      403,
      'PERMISSION_DENIED',
    );
    ok(await as('admin', 'GET', '/api/v1/repositories/alice/tools%2Fcli'));
  });

  it('gives teams access on org repositories; org admins manage it', async () => {
    error(await as('dana', 'GET', '/api/v1/repositories/acme/app'), 404, 'NOT_FOUND');
    const put = ok(
      await as('olga', 'PUT', '/api/v1/repositories/acme/app/teams/dev', { access: 'read-write' }),
    );
    assert.deepEqual(put.json(), { team: 'dev', access: 'read-write' });
    assert.deepEqual(ok(await as('dana', 'GET', '/api/v1/repositories/acme/app')).json<Repo>().actions, [
      'pull',
      'push',
    ]);
    assert.deepEqual(ok(await as('dana', 'GET', '/api/v1/repositories/acme/app/teams')).json(), {
      items: [{ team: 'dev', access: 'read-write' }],
    });
    assert.deepEqual(ok(await as('dana', 'GET', '/api/v1/repositories/acme/app/teams/dev')).json(), {
      team: 'dev',
      access: 'read-write',
    });
    error(
      await as('dana', 'PUT', '/api/v1/repositories/acme/app/teams/dev', { access: 'admin' }),
      403,
      'PERMISSION_DENIED',
    );

    const before = await snapshot();
    error(
      await as('olga', 'PUT', '/api/v1/repositories/acme/app/teams/ghosts', { access: 'admin' }),
      404,
      'NOT_FOUND',
      'team',
    );
    error(
      await as('olga', 'PUT', '/api/v1/repositories/acme/app/teams/dev', { access: 'write' }),
      400,
      'INVALID_ARGUMENT',
      'access',
    );
    error(
      await as('olga', 'PUT', '/api/v1/repositories/acme/app/teams/dev', { access: 'admin', x: 1 }),
      400,
      'INVALID_ARGUMENT',
    );
    error(
      await as('alice', 'PUT', '/api/v1/repositories/alice/web/teams/dev', { access: 'admin' }),
      412,
      'FAILED_PRECONDITION',
    );
    assert.equal(await snapshot(), before);

    ok(await as('olga', 'DELETE', '/api/v1/repositories/acme/app/teams/dev'), 204);
    error(await as('dana', 'GET', '/api/v1/repositories/acme/app'), 404, 'NOT_FOUND');
    error(await as('olga', 'DELETE', '/api/v1/repositories/acme/app/teams/dev'), 404, 'NOT_FOUND');
  });

  it('keeps namespace settings per org: namespace-wide team access and create-on-push', async () => {
    const view = ok(await as('dana', 'GET', '/api/v1/repository-namespaces/acme')).json();
    assert.deepEqual(view, {
      namespace: 'acme',
      kind: 'org',
      createOnPush: false,
      teams: [],
      canManage: false,
    });
    error(await as('bob', 'GET', '/api/v1/repository-namespaces/acme'), 404, 'NOT_FOUND');
    error(
      await as('dana', 'PATCH', '/api/v1/repository-namespaces/acme', { createOnPush: true }),
      403,
      'PERMISSION_DENIED',
    );
    error(
      await as('olga', 'PATCH', '/api/v1/repository-namespaces/acme', { teams: { ghosts: 'read-only' } }),
      404,
      'NOT_FOUND',
      'teams.ghosts',
    );
    const changed = ok(
      await as('olga', 'PATCH', '/api/v1/repository-namespaces/acme', {
        createOnPush: true,
        teams: { dev: 'read-only' },
      }),
    ).json();
    assert.deepEqual(changed, {
      namespace: 'acme',
      kind: 'org',
      createOnPush: true,
      teams: [{ team: 'dev', access: 'read-only' }],
      canManage: true,
    });
    assert.deepEqual(ok(await as('dana', 'GET', '/api/v1/repositories/acme/app')).json<Repo>().actions, [
      'pull',
    ]);
    error(
      await as('alice', 'PATCH', '/api/v1/repository-namespaces/alice', { createOnPush: false }),
      412,
      'FAILED_PRECONDITION',
    );
    assert.equal(
      ok(await as('alice', 'GET', '/api/v1/repository-namespaces/alice')).json().createOnPush,
      true,
    );
    ok(await as('olga', 'PATCH', '/api/v1/repository-namespaces/acme', { teams: { dev: null } }));
  });

  it('lists and deletes tags from the registry content', async () => {
    const tag = {
      digest: `sha256:${'b'.repeat(64)}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 42,
    };
    await store.put(registryKeys.tag('alice/tools/cli', 'v1'), JSON.stringify(tag));
    await store.put(registryKeys.tag('alice/tools/cli', 'v2'), JSON.stringify(tag));
    await store.put(registryKeys.tag('alice/web', 'latest'), JSON.stringify(tag));
    assert.deepEqual(ok(await as('alice', 'GET', '/api/v1/repositories/alice/tools%2Fcli/tags')).json(), {
      items: [
        { tag: 'v1', ...tag },
        { tag: 'v2', ...tag },
      ],
    });
    error(await as('bob', 'DELETE', '/api/v1/repositories/alice/web/tags/latest'), 403, 'PERMISSION_DENIED');
    ok(await as('alice', 'DELETE', '/api/v1/repositories/alice/tools%2Fcli/tags/v1'), 204);
    assert.equal(await store.get(registryKeys.tag('alice/tools/cli', 'v1')), undefined);
    error(await as('alice', 'DELETE', '/api/v1/repositories/alice/tools%2Fcli/tags/v1'), 404, 'NOT_FOUND');
    error(
      await as('alice', 'DELETE', '/api/v1/repositories/alice/tools%2Fcli/tags/.bad'),
      400,
      'INVALID_ARGUMENT',
      'tag',
    );
  });

  it('refuses bad input with stable codes and changes nothing', async () => {
    const before = await snapshot();
    const cases: [unknown, string][] = [
      [{ namespace: 'alice', name: 'Upper' }, 'name'],
      [{ namespace: 'alice', name: 'a//b' }, 'name'],
      [{ namespace: 'alice', name: '' }, 'name'],
      [{ namespace: 'alice', name: 'ok', visibility: 'internal' }, 'visibility'],
      [{ namespace: 'alice', name: 'ok', owner: 'me' }, 'owner'],
      [{ namespace: 'Al ice', name: 'ok' }, 'namespace'],
      [{ name: 'ok' }, 'namespace'],
    ];
    for (const [body, field] of cases)
      error(await as('alice', 'POST', '/api/v1/repositories', body), 400, 'INVALID_ARGUMENT', field);
    error(
      await as('alice', 'POST', '/api/v1/repositories', { namespace: 'ghost', name: 'x' }),
      404,
      'NOT_FOUND',
      'namespace',
    );
    error(
      await as('alice', 'POST', '/api/v1/repositories', { namespace: 'alice', name: 'web' }),
      409,
      'ALREADY_EXISTS',
      'name',
    );
    error(await as('alice', 'GET', '/api/v1/repositories/alice/a%252Fb'), 400, 'INVALID_ARGUMENT', 'name');
    error(
      await as('alice', 'PATCH', '/api/v1/repositories/alice/web', { visibility: 'hidden' }),
      400,
      'INVALID_ARGUMENT',
      'visibility',
    );
    error(await as('alice', 'GET', '/api/v1/repositories?limit=0'), 400, 'INVALID_ARGUMENT', 'limit');
    error(await call('GET', '/api/v1/repositories'), 401, 'UNAUTHENTICATED');
    assert.equal(await snapshot(), before);
  });

  it('manages service accounts and their registry-only tokens (org admins)', async () => {
    const created = ok(
      await as('olga', 'POST', '/api/v1/orgs/acme/service-accounts', {
        name: 'ci',
        description: 'builds',
        repositories: [{ name: 'app', access: 'read-write' }],
      }),
      201,
    ).json();
    assert.deepEqual(
      { ...created, createdAt: '' },
      {
        org: 'acme',
        name: 'ci',
        login: 'acme+ci',
        description: 'builds',
        createdAt: '',
        repositories: [{ name: 'app', access: 'read-write' }],
      },
    );
    error(
      await as('dana', 'POST', '/api/v1/orgs/acme/service-accounts', { name: 'x' }),
      403,
      'PERMISSION_DENIED',
    );
    error(await as('bob', 'GET', '/api/v1/orgs/acme/service-accounts'), 404, 'NOT_FOUND');
    error(
      await as('olga', 'POST', '/api/v1/orgs/acme/service-accounts', {
        name: 'x',
        repositories: [{ name: 'App', access: 'admin' }],
      }),
      400,
      'INVALID_ARGUMENT',
    );
    error(
      await as('olga', 'POST', '/api/v1/orgs/acme/service-accounts', { name: 'ci' }),
      409,
      'ALREADY_EXISTS',
    );
    assert.equal(
      ok(await as('dana', 'GET', '/api/v1/orgs/acme/service-accounts')).json<{ items: unknown[] }>().items
        .length,
      1,
    );
    const patched = ok(
      await as('olga', 'PATCH', '/api/v1/orgs/acme/service-accounts/ci', {
        repositories: [{ name: '*', access: 'read-only' }],
      }),
    ).json<{ repositories: unknown[] }>();
    assert.deepEqual(patched.repositories, [{ name: '*', access: 'read-only' }]);

    const expiresAt = new Date(Date.now() + 7 * 24 * 3_600_000).toISOString();
    const token = ok(
      await as('olga', 'POST', '/api/v1/orgs/acme/service-accounts/ci/tokens', {
        label: 'jenkins',
        expiresAt,
      }),
      201,
    ).json<{ id: string; token: string; scope: string; expiresAt: string }>();
    assert.deepEqual([token.scope, token.expiresAt], ['registry', expiresAt]);
    assert.match(token.token, /^sdt_/);
    // Registry-only: the REST API does not take it.
    error(await call('GET', '/api/v1/me', { token: token.token }), 401, 'UNAUTHENTICATED');
    const tokens = ok(await as('olga', 'GET', '/api/v1/orgs/acme/service-accounts/ci/tokens')).json<{
      items: { id: string; label: string }[];
    }>();
    assert.deepEqual(
      tokens.items.map((x) => [x.id, x.label]),
      [[token.id, 'jenkins']],
    );
    error(await as('dana', 'GET', '/api/v1/orgs/acme/service-accounts/ci/tokens'), 403, 'PERMISSION_DENIED');
    ok(await as('olga', 'DELETE', `/api/v1/orgs/acme/service-accounts/ci/tokens/${token.id}`), 204);
    error(
      await as('olga', 'DELETE', `/api/v1/orgs/acme/service-accounts/ci/tokens/${token.id}`),
      404,
      'NOT_FOUND',
    );
    ok(await as('olga', 'DELETE', '/api/v1/orgs/acme/service-accounts/ci'), 204);
    error(await as('olga', 'GET', '/api/v1/orgs/acme/service-accounts/ci'), 404, 'NOT_FOUND');
  });

  it('creates access tokens with an expiry and a scope, and shows their last use', async () => {
    error(
      await as('bob', 'POST', '/api/v1/me/tokens', { label: 'x', expiresAt: '2001-01-01T00:00:00Z' }),
      400,
      'INVALID_ARGUMENT',
      'expiresAt',
    );
    error(
      await as('bob', 'POST', '/api/v1/me/tokens', { label: 'x', scope: 'everything' }),
      400,
      'INVALID_ARGUMENT',
      'scope',
    );
    const registry = ok(
      await as('bob', 'POST', '/api/v1/me/tokens', { label: 'docker', scope: 'registry' }),
      201,
    ).json<{
      token: string;
      scope: string;
    }>();
    assert.equal(registry.scope, 'registry');
    error(await call('GET', '/api/v1/me', { token: registry.token }), 401, 'UNAUTHENTICATED');
    const all = ok(await as('bob', 'POST', '/api/v1/me/tokens', { label: 'script' }), 201).json<{
      id: string;
      token: string;
    }>();
    ok(await call('GET', '/api/v1/me', { token: all.token }));
    const listed = ok(await as('bob', 'GET', '/api/v1/me/tokens')).json<{
      items: { id: string; scope: string; lastUsedAt?: string }[];
    }>();
    const script = listed.items.find((x) => x.id === all.id);
    assert.equal(script?.scope, 'all');
    assert.ok(script?.lastUsedAt !== undefined && !Number.isNaN(Date.parse(script.lastUsedAt)));
  });

  it('refuses to delete a user who owns repositories until they are gone', async () => {
    error(await as('admin', 'DELETE', '/api/v1/users/alice'), 412, 'FAILED_PRECONDITION');
    ok(await as('admin', 'GET', '/api/v1/users/alice'));
  });

  it('puts every repository route in the OpenAPI document', async () => {
    const doc = ok(await call('GET', '/api/openapi.json')).json<{ paths: Record<string, unknown> }>();
    for (const path of [
      '/api/v1/repositories',
      '/api/v1/repositories/{namespace}/{name}',
      '/api/v1/repositories/{namespace}/{name}/tags/{tag}',
      '/api/v1/repositories/{namespace}/{name}/teams/{team}',
      '/api/v1/repository-namespaces/{namespace}',
      '/api/v1/orgs/{org}/service-accounts/{name}/tokens/{id}',
    ])
      assert.ok(doc.paths[path], path);
  });
});
