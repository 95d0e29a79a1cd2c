import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type KeyAndCertificate, createCertificateAuthority, issueCertificate } from '@stevedore/pki';
import { NotFoundError } from '@stevedore/errors';
import { TokenIssuer, parseScopes } from '@stevedore/registry-auth';
import {
  type TestRegistry,
  buildImage,
  errorCode,
  pushBlob,
  pushImage,
  putManifest,
  sha256,
  startTestRegistry,
} from './testing.js';

const REALM = 'https://controller.test:6443/auth/token';
const SERVICE = 'registry.test';
const ISSUER = 'stevedore-test';
const DIGEST = sha256('anything');

describe('registry: token auth', () => {
  let ca: KeyAndCertificate;
  let signer: KeyAndCertificate;
  let reg: TestRegistry;
  const pushed: [string, string][] = [];

  const issuerOf = (key: KeyAndCertificate, options: { now?: number; issuer?: string } = {}) =>
    new TokenIssuer({
      issuer: options.issuer ?? ISSUER,
      privateKeyPem: key.keyPem,
      certificatePem: key.certPem,
      ...(options.now !== undefined ? { now: () => options.now! } : {}),
    });
  const tokenFor = async (scopes: string[], subject = 'alice', audience = SERVICE) =>
    (await issuerOf(signer).issue({ subject, audience, access: parseScopes(scopes) })).token;
  /** The test registry, every request carrying `token`. */
  const as = (token: string): TestRegistry => ({
    ...reg,
    fetch: (path, init = {}) =>
      reg.fetch(path, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` },
      }),
  });

  before(async () => {
    ca = await createCertificateAuthority({ commonName: 'test CA', validityDays: 1 });
    signer = await issueCertificate(ca, { commonName: 'signer', usage: 'signing', validityDays: 1 });
    reg = await startTestRegistry({
      auth: 'token',
      token: {
        realm: REALM,
        service: SERVICE,
        issuer: ISSUER,
        keys: () => [signer.certPem],
        authorizer: {
          catalogFilter: (subject) => Promise.resolve((name) => name.startsWith(`${subject}/`)),
          repositoryPushing: (name, subject) => {
            // A repository the platform deleted while the pusher's token was still valid.
            if (name === 'acme/gone')
              return Promise.reject(new NotFoundError('repository acme/gone does not exist'));
            pushed.push([name, subject]);
            return Promise.resolve();
          },
        },
      },
    });
    const admin = as(
      await tokenFor(['repository:lib/private:pull,push', 'repository:bob/src:pull,push'], 'admin'),
    );
    await pushImage(admin, 'lib/private', 'v1');
    await pushBlob(admin, 'bob/src', 'shared layer');
  });
  after(() => reg.close());

  const challenge = (scope?: string, error?: string) =>
    `Bearer realm="${REALM}",service="${SERVICE}"` +
    (scope !== undefined ? `,scope="${scope}"` : '') +
    (error !== undefined ? `,error="${error}"` : '');

  const routes: [string, string, string | undefined][] = [
    ['GET', '/v2/', undefined],
    // The platform filters the catalog by the caller, so any valid token may list it.
    ['GET', '/v2/_catalog', undefined],
    ['GET', '/v2/lib/app/tags/list', 'repository:lib/app:pull'],
    ['GET', '/v2/lib/app/manifests/latest', 'repository:lib/app:pull'],
    ['HEAD', '/v2/lib/app/manifests/latest', 'repository:lib/app:pull'],
    ['GET', `/v2/lib/app/blobs/${DIGEST}`, 'repository:lib/app:pull'],
    ['HEAD', `/v2/lib/app/blobs/${DIGEST}`, 'repository:lib/app:pull'],
    ['GET', `/v2/lib/app/referrers/${DIGEST}`, 'repository:lib/app:pull'],
    ['POST', '/v2/lib/app/blobs/uploads/', 'repository:lib/app:pull,push'],
    ['PATCH', '/v2/lib/app/blobs/uploads/some-id', 'repository:lib/app:pull,push'],
    ['PUT', `/v2/lib/app/blobs/uploads/some-id?digest=${DIGEST}`, 'repository:lib/app:pull,push'],
    ['GET', '/v2/lib/app/blobs/uploads/some-id', 'repository:lib/app:pull,push'],
    ['DELETE', '/v2/lib/app/blobs/uploads/some-id', 'repository:lib/app:pull,push'],
    ['PUT', '/v2/lib/app/manifests/latest', 'repository:lib/app:pull,push'],
    ['DELETE', `/v2/lib/app/manifests/${DIGEST}`, 'repository:lib/app:delete'],
    ['DELETE', `/v2/lib/app/blobs/${DIGEST}`, 'repository:lib/app:delete'],
  ];
  for (const [method, path, scope] of routes) {
    it(`answers ${method} ${path.replace(DIGEST, '<digest>')} without a token with 401 and its challenge`, async () => {
      const before = await reg.snapshot();
      const res = await reg.fetch(path, {
        method,
        ...(method === 'PUT' || method === 'PATCH' ? { body: '{}' } : {}),
      });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), challenge(scope));
      if (method !== 'HEAD') assert.equal(await errorCode(res), 'UNAUTHORIZED');
      assert.equal(await reg.snapshot(), before, 'nothing written');
    });
  }

  it('answers a Basic Authorization header like none', async () => {
    const res = await reg.fetch('/v2/lib/app/tags/list', {
      headers: { Authorization: 'Basic YWxpY2U6c2VjcmV0' },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), challenge('repository:lib/app:pull'));
  });

  const badTokens: [string, () => Promise<string>][] = [
    [
      'expired',
      async () => (await issuerOf(signer, { now: Date.now() - 3_600_000 }).issue(pullRequest())).token,
    ],
    [
      'not yet valid',
      async () => (await issuerOf(signer, { now: Date.now() + 3_600_000 }).issue(pullRequest())).token,
    ],
    ['for another service', () => tokenFor(['repository:lib/private:pull'], 'alice', 'another-registry')],
    [
      'from another issuer',
      async () => (await issuerOf(signer, { issuer: 'mallory' }).issue(pullRequest())).token,
    ],
    [
      'signed by an untrusted key',
      async () => {
        const other = await issueCertificate(ca, { commonName: 'other', usage: 'signing', validityDays: 1 });
        return (await issuerOf(other).issue(pullRequest())).token;
      },
    ],
    [
      'with alg none',
      async () => {
        const [header, payload] = (await tokenFor(['repository:lib/private:pull'])).split('.');
        const none = { ...JSON.parse(Buffer.from(header!, 'base64url').toString()), alg: 'none' } as object;
        return `${Buffer.from(JSON.stringify(none)).toString('base64url')}.${payload}.`;
      },
    ],
    [
      'with a tampered payload',
      async () => {
        const [header, , signature] = (await tokenFor(['repository:lib/other:pull'])).split('.');
        const payload = (await tokenFor(['repository:lib/private:pull,push,delete'])).split('.')[1];
        return `${header}.${payload}.${signature}`;
      },
    ],
    ['of garbage', () => Promise.resolve('garbage')],
  ];
  function pullRequest() {
    return { subject: 'alice', audience: SERVICE, access: parseScopes(['repository:lib/private:pull']) };
  }
  for (const [name, make] of badTokens) {
    it(`refuses a token ${name} with 401 invalid_token and the challenge`, async () => {
      const res = await as(await make()).fetch('/v2/lib/private/manifests/v1');
      assert.equal(res.status, 401);
      assert.equal(
        res.headers.get('www-authenticate'),
        challenge('repository:lib/private:pull', 'invalid_token'),
      );
      const body = (await res.json()) as { errors: { code: string; message: string }[] };
      assert.equal(body.errors[0]?.code, 'UNAUTHORIZED');
      assert.match(body.errors[0]?.message ?? '', /^registry token refused: /);
    });
  }

  it('lets any valid token through /v2/ (docker login)', async () => {
    const res = await as(await tokenFor([])).fetch('/v2/');
    assert.equal(res.status, 200);
  });

  it('pulls with a pull token, and refuses a push with it as 403 DENIED', async () => {
    const reader = as(await tokenFor(['repository:lib/private:pull']));
    assert.equal((await reader.fetch('/v2/lib/private/manifests/v1')).status, 200);
    assert.equal((await reader.fetch('/v2/lib/private/tags/list')).status, 200);
    const before = await reg.snapshot();
    const post = await reader.fetch('/v2/lib/private/blobs/uploads/', { method: 'POST' });
    assert.equal(post.status, 403);
    assert.equal(await errorCode(post), 'DENIED');
    const put = await putManifest(reader, 'lib/private', 'v2', '{}');
    assert.equal(put.status, 403);
    const del = await reader.fetch('/v2/lib/private/manifests/v1', { method: 'DELETE' });
    assert.equal(del.status, 403);
    assert.equal(await reg.snapshot(), before, 'nothing written');
  });

  it('answers a token with nothing on a repository alike whether it exists or not', async () => {
    const stranger = as(await tokenFor(['repository:lib/elsewhere:pull,push']));
    const answers = [];
    for (const name of ['lib/private', 'lib/missing']) {
      for (const [method, path] of [
        ['GET', `/v2/${name}/manifests/v1`],
        ['HEAD', `/v2/${name}/manifests/v1`],
        ['GET', `/v2/${name}/tags/list`],
        ['POST', `/v2/${name}/blobs/uploads/`],
      ] as const) {
        const res = await stranger.fetch(path, { method });
        assert.equal(res.status, 401, `${method} ${path}`);
        const headers = [...res.headers].filter(([k]) => k !== 'date');
        answers.push(JSON.stringify({ method, headers, body: await res.text() }).replaceAll(name, '<name>'));
      }
    }
    assert.deepEqual(answers.slice(0, 4), answers.slice(4));
    assert.match(answers[0]!, /error=\\"insufficient_scope\\"/);
    assert.match(answers[0]!, /scope=\\"repository:<name>:pull\\"/);
  });

  it('lists in the catalog only what the authorizer lets the caller pull, page by page', async () => {
    const alice = as(await tokenFor(['repository:alice/a:pull,push', 'repository:alice/b:pull,push']));
    await pushImage(alice, 'alice/a', 'v1');
    await pushImage(alice, 'alice/b', 'v1');
    const lister = as(await tokenFor(['registry:catalog:*']));
    const all = await lister.fetch('/v2/_catalog');
    assert.deepEqual(await all.json(), { repositories: ['alice/a', 'alice/b'] });
    const first = await lister.fetch('/v2/_catalog?n=1');
    assert.deepEqual(await first.json(), { repositories: ['alice/a'] });
    assert.equal(first.headers.get('link'), '</v2/_catalog?n=1&last=alice%2Fa>; rel="next"');
    const second = await lister.fetch('/v2/_catalog?n=1&last=alice%2Fa');
    assert.deepEqual(await second.json(), { repositories: ['alice/b'] });
    assert.equal(second.headers.get('link'), null);
    const bob = as(await tokenFor(['registry:catalog:*'], 'bob'));
    assert.deepEqual(await (await bob.fetch('/v2/_catalog')).json(), { repositories: ['bob/src'] });
    // The token service grants registry:catalog:* to administrators only; others list what they may pull.
    const without = await as(await tokenFor(['repository:alice/a:pull'])).fetch('/v2/_catalog');
    assert.deepEqual(await without.json(), { repositories: ['alice/a', 'alice/b'] });
  });

  it('stores no manifest when the platform refuses the repository (deleted under a live token)', async () => {
    const bob = as(await tokenFor(['repository:acme/gone:pull,push'], 'bob'));
    const body = await buildImage(bob, 'acme/gone');
    const res = await putManifest(bob, 'acme/gone', 'v1', body);
    assert.equal(res.status, 404, await res.clone().text());
    assert.equal(await errorCode(res), 'NAME_UNKNOWN');
    const head = await bob.fetch('/v2/acme/gone/manifests/v1', { method: 'HEAD' });
    assert.equal(head.status, 404);
    const byDigest = await bob.fetch(`/v2/acme/gone/manifests/${sha256(body)}`, { method: 'HEAD' });
    assert.equal(byDigest.status, 404, 'not even the manifest by digest');
  });

  it('records who pushed a tag, when, and the image platform; tells the authorizer', async () => {
    const alice = as(await tokenFor(['repository:alice/app:pull,push']));
    const started = new Date().toISOString();
    const digest = await pushImage(alice, 'alice/app', 'v1');
    const { items } = await reg.registry.discovery.tagDetails('alice/app');
    assert.equal(items.length, 1);
    const [tag] = items;
    assert.deepEqual(
      { ...tag, pushedAt: undefined },
      {
        tag: 'v1',
        digest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: tag!.size,
        pushedAt: undefined,
        pushedBy: 'alice',
        platform: { os: 'linux', architecture: 'amd64' },
      },
    );
    assert.ok(tag!.pushedAt! >= started);
    assert.deepEqual(pushed.at(-1), ['alice/app', 'alice']);
  });

  it('mounts a blob only from a repository the token may pull, else starts a plain upload', async () => {
    const layer = sha256('shared layer');
    const noSource = as(await tokenFor(['repository:alice/dst:pull,push']));
    const fallback = await noSource.fetch(`/v2/alice/dst/blobs/uploads/?mount=${layer}&from=bob/src`, {
      method: 'POST',
    });
    assert.equal(fallback.status, 202, 'an upload session, not a mount');
    assert.equal((await noSource.fetch(`/v2/alice/dst/blobs/${layer}`, { method: 'HEAD' })).status, 404);
    const withSource = as(await tokenFor(['repository:alice/dst:pull,push', 'repository:bob/src:pull']));
    const mounted = await withSource.fetch(`/v2/alice/dst/blobs/uploads/?mount=${layer}&from=bob/src`, {
      method: 'POST',
    });
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get('docker-content-digest'), layer);
  });

  it('pushes, then deletes, with a token granting push and delete', async () => {
    const writer = as(await tokenFor(['repository:lib/round:pull,push', 'repository:lib/round:delete']));
    const body = await buildImage(writer, 'lib/round');
    assert.equal((await putManifest(writer, 'lib/round', 'latest', body)).status, 201);
    const del = await writer.fetch(`/v2/lib/round/manifests/${sha256(body)}`, { method: 'DELETE' });
    assert.equal(del.status, 202);
  });

  it('sends clients to a realm chosen by the Host they used, when realm is a function', async () => {
    const other = await startTestRegistry({
      auth: 'token',
      token: {
        realm: (host) => `https://${host?.split(':')[0]}:6443/auth/token`,
        service: SERVICE,
        issuer: ISSUER,
        keys: () => [signer.certPem],
      },
    });
    try {
      const res = await other.fetch('/v2/');
      assert.equal(
        res.headers.get('www-authenticate'),
        `Bearer realm="https://127.0.0.1:6443/auth/token",service="${SERVICE}"`,
      );
      const catalog = await other.fetch('/v2/_catalog', {
        headers: { Authorization: `Bearer ${await tokenFor(['registry:catalog:*'])}` },
      });
      assert.equal(catalog.status, 200, 'without an authorizer, registry:catalog:* lists everything');
      const scopeless = await other.fetch('/v2/_catalog', {
        headers: { Authorization: `Bearer ${await tokenFor(['repository:lib/app:pull'])}` },
      });
      assert.equal(scopeless.status, 401, 'and nothing less does');
    } finally {
      await other.close();
    }
  });

  it('refuses token auth without keys or a verifier', async () => {
    await assert.rejects(
      startTestRegistry({ auth: 'token', token: { realm: REALM, service: SERVICE, issuer: ISSUER } }),
      /trusted signing keys/,
    );
  });
});
