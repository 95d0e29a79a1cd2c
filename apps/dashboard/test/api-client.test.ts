/** The dashboard's typed API client, over a fake fetch: paths, queries, errors and the session's end. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApiClient, fillPath } from '../src/api/client.js';
import { describeError, type ApiError } from '../src/api/api-error.js';

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

function fakeApi(answer: (url: string, init: RequestInit) => Answer) {
  const calls: { url: string; init: RequestInit }[] = [];
  let ended = 0;
  const api = createApiClient({
    baseUrl: 'https://ctl',
    getToken: () => 'tok',
    onUnauthenticated: () => ended++,
    fetch: (input, init = {}) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      calls.push({ url, init });
      const a = answer(url, init);
      const body = a.body === undefined ? null : JSON.stringify(a.body);
      return Promise.resolve(
        new Response(a.status === 204 ? null : body, { status: a.status, headers: a.headers }),
      );
    },
  });
  return { api, calls, ended: () => ended };
}

describe('dashboard API client', () => {
  it('fills path parameters (encoded) and collection paths after the wildcard', () => {
    assert.equal(
      fillPath('/api/v1/orgs/:org/teams/:team', { org: 'acme', team: 'a b' }),
      '/api/v1/orgs/acme/teams/a%20b',
    );
    assert.equal(
      fillPath('/api/v1/collections/*', { '*': 'Shared/web app' }),
      '/api/v1/collections/Shared/web%20app',
    );
  });

  it('sends the bearer token, the JSON body and the query, and checks the answer against the contract', async () => {
    const { api, calls } = fakeApi(() => ({
      status: 201,
      body: { org: 'acme', name: 'devs', description: '', createdAt: '2026-01-01T00:00:00Z' },
    }));
    const team = await api.call('createTeam', { params: { org: 'acme' }, body: { name: 'devs' } });
    assert.equal(team.name, 'devs');
    assert.equal(calls[0]!.url, 'https://ctl/api/v1/orgs/acme/teams');
    assert.equal(calls[0]!.init.method, 'POST');
    assert.equal(new Headers(calls[0]!.init.headers).get('authorization'), 'Bearer tok');
    assert.equal(calls[0]!.init.body, '{"name":"devs"}');
  });

  it('follows pages to the end', async () => {
    const { api, calls } = fakeApi((url) => {
      const org = (name: string) => ({ name, fullName: '', createdAt: '2026-01-01T00:00:00Z' });
      return url.includes('after=b')
        ? { status: 200, body: { items: [org('c')], next: null } }
        : { status: 200, body: { items: [org('a'), org('b')], next: 'b' } };
    });
    assert.deepEqual(
      (await api.all('listOrgs')).map((o) => o.name),
      ['a', 'b', 'c'],
    );
    assert.match(calls[0]!.url, /limit=1000/);
  });

  it('turns error bodies into ApiError with Retry-After, and explains them', async () => {
    const { api } = fakeApi(() => ({
      status: 429,
      body: { error: { code: 'RESOURCE_EXHAUSTED', message: 'too many failed logins; wait 30 seconds' } },
      headers: { 'retry-after': '30' },
    }));
    const err = (await api
      .call('login', { body: { username: 'a', password: 'b' } })
      .catch((e: unknown) => e)) as ApiError;
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterSeconds, 30);
    assert.equal(describeError(err), 'Too many failed attempts. Wait 30 seconds before trying again.');
  });

  it('ends the session only when reading the account is refused too', async () => {
    let meStatus = 200;
    const user = {
      name: 'a',
      fullName: '',
      admin: false,
      active: true,
      defaultCollection: '/',
      source: 'local',
      createdAt: 'x',
    };
    const { api, calls, ended } = fakeApi((url) =>
      url.endsWith('/api/v1/me')
        ? {
            status: meStatus,
            body: meStatus === 200 ? user : { error: { code: 'UNAUTHENTICATED', message: 'log in' } },
          }
        : {
            status: 401,
            body: { error: { code: 'UNAUTHENTICATED', message: 'invalid username or password' } },
          },
    );
    const change = () =>
      api.call('changeOwnPassword', { body: { oldPassword: 'x', newPassword: 'y'.repeat(8) } });
    // After a 401 the client asks `me` in the background; poll for what that leads to (an upper bound).
    const until = async (done: () => boolean) => {
      for (const deadline = Date.now() + 10_000; !done() && Date.now() < deadline;)
        await new Promise((r) => setTimeout(r, 5));
    };
    await assert.rejects(change(), /invalid username or password/);
    await until(() => calls.some((c) => c.url.endsWith('/api/v1/me')));
    await new Promise((r) => setTimeout(r, 10)); // time for its answer to be handled
    assert.equal(ended(), 0, 'a wrong current password does not end the session');
    meStatus = 401;
    await assert.rejects(change());
    await until(() => ended() === 1);
    assert.equal(ended(), 1);
  });
});
