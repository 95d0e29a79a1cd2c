/** The Docker API client over a fake fetch: URLs under /api/docker/v1.41, bodies, and errors as ApiError. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDockerClient, dockerUrl } from '../src/api/docker.js';
import { describeError, type ApiError } from '../src/api/api-error.js';

function fakeDocker(answer: (url: string, init: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  let unauthorized = 0;
  const docker = createDockerClient({
    baseUrl: 'https://ctl',
    getToken: () => 'tok',
    onUnauthorized: () => unauthorized++,
    fetch: (input, init = {}) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      calls.push({ url, init });
      return Promise.resolve(answer(url, init));
    },
  });
  return { docker, calls, unauthorized: () => unauthorized };
}
/** The ApiError a call fails with. */
const failure = (call: Promise<unknown>): Promise<ApiError> =>
  call.then(
    () => assert.fail('the call should have failed'),
    (err: unknown) => err as ApiError,
  );
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('docker client', () => {
  it('sends the token, JSON bodies and JSON-encoded filters to the versioned proxy path', async () => {
    const { docker, calls } = fakeDocker(() => json(200, [{ ID: 'a' }]));
    assert.deepEqual(await docker.get('/tasks', { filters: { service: ['web'] } }), [{ ID: 'a' }]);
    assert.equal(
      calls[0]!.url,
      `https://ctl/api/docker/v1.41/tasks?filters=${encodeURIComponent('{"service":["web"]}')}`,
    );
    assert.deepEqual(calls[0]!.init.headers, { authorization: 'Bearer tok' });
    await docker.post('/services/x/update', { Name: 'x' }, { version: 7 });
    assert.equal(calls[1]!.url, 'https://ctl/api/docker/v1.41/services/x/update?version=7');
    assert.equal(calls[1]!.init.body, '{"Name":"x"}');
    assert.equal(dockerUrl('', '/nodes'), '/api/docker/v1.41/nodes');
  });

  it('answers undefined for 204 and 304 (already stopped)', async () => {
    const { docker } = fakeDocker(() => new Response(null, { status: 304 }));
    assert.equal(await docker.post('/containers/c/stop'), undefined);
  });

  it("turns a refusal into an ApiError with the proxy's explanation", async () => {
    const message = 'access denied by Stevedore: service.create on /Shared/prod needs a grant';
    const { docker } = fakeDocker(() => json(403, { message }));
    const err = await failure(docker.post('/services/create', {}));
    assert.equal(err.status, 403);
    assert.equal(err.code, 'PERMISSION_DENIED');
    assert.ok(err.isRefusal);
    assert.match(describeError(err), /^Refused: access denied by Stevedore: service.create/);
  });

  it("keeps the engine's 404 text, reports a 401 and explains a controller without an engine", async () => {
    const { docker, unauthorized } = fakeDocker((url) =>
      url.includes('nodes')
        ? json(404, { error: { code: 'NOT_FOUND', message: 'no API route GET /api/docker/v1.41/nodes' } })
        : url.includes('me')
          ? json(401, { message: 'log in first' })
          : json(404, { message: 'No such container: x' }),
    );
    const missing = await failure(docker.get('/containers/x/json'));
    assert.equal(missing.message, 'No such container: x');
    const noEngine = await failure(docker.get('/nodes'));
    assert.equal(noEngine.status, 503);
    assert.match(noEngine.message, /no Docker engine/);
    await docker.get('/me').catch(() => undefined);
    assert.equal(unauthorized(), 1);
  });
});
