/**
 * The platform registry as `stevedore up` serves it (TLS from the cluster CA, token auth from the
 * controller's `/auth/token`), used by the real docker CLIs — 28.2 as the machine carries it and Debian's
 * 20.10 — through a private engine: `docker login` with a password and with an access token, push and
 * pull by a team member with read-write, a refused pull by a user without rights, `docker logout`; and
 * Debian's reference registry trusting the same token service.
 *
 * The private engine reaches the registry at 127.0.0.1, which dockerd treats as insecure (TLS without
 * verification): the engine's trust of the cluster CA through /etc/docker/certs.d cannot be exercised
 * without touching the machine's own trust directory, so `up` is pointed at a directory of this run and
 * the test checks what it wrote there.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { DockerCliError, startReferenceRegistry, type ReferenceRegistry } from '@stevedore/testkit';
import { CLIS, startPlatform, type Cli, type Platform } from './platform-fixture.js';

const refused = (err: DockerCliError) => /denied|not found|unauthorized/i.test(err.stderr);

describe('the platform registry with the docker CLIs', () => {
  let p: Platform;
  let reference: ReferenceRegistry | undefined;
  const sessions: Record<string, string> = {};

  before(async () => {
    p = await startPlatform('up-registry');
  });
  after(async () => {
    await reference?.stop();
    if (p) assert.equal(await p.stop(), 0, 'Ctrl-C stops cleanly');
  });

  it('serves TLS from the cluster CA with token auth, and writes the CA for the engine', async () => {
    assert.match(
      p.up.stdout(),
      new RegExp(`Registry: +https://\\S+ +\\(TLS from the cluster CA, token auth`),
    );
    assert.equal(await readFile(join(p.dataDir, 'certs.d', p.registry, 'ca.crt'), 'utf8'), p.caPem);
    // The dashboard learns where to tell users to log in.
    const session = await p.login('bob', 'bob-password');
    const info = await p.api('GET', '/api/v1/registry', undefined, session);
    assert.deepEqual(info.json, {
      host: '127.0.0.1',
      port: Number(p.registry.split(':')[1]),
      service: 'stevedore-registry',
    });
    // Without a token, the registry challenges with the controller's token service, for exactly this scope.
    const res = await new Promise<{ status: number; challenge: string | undefined }>((resolve, reject) => {
      request(`https://${p.registry}/v2/acme/app/tags/list`, { ca: p.caPem }, (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, challenge: r.headers['www-authenticate'] });
      })
        .on('error', reject)
        .end();
    });
    assert.equal(res.status, 401);
    assert.equal(
      res.challenge,
      `Bearer realm="https://127.0.0.1:${p.controllerPort}/auth/token",service="stevedore-registry",scope="repository:acme/app:pull"`,
    );
  });

  for (const cli of Object.keys(CLIS) as Cli[]) {
    it(`${cli}: a team member logs in with a password, pushes and pulls; one without rights is refused`, async () => {
      const tag = `${p.registry}/acme/app:${cli === 'docker 28.2' ? 'v28' : 'v20'}`;
      const alice = await p.dockerAs(cli, 'alice');
      const loggedIn = await alice(
        ['login', '-u', 'alice', '--password-stdin', p.registry],
        'alice-password',
      );
      assert.match(loggedIn.stdout, /Login Succeeded/);
      await alice(['tag', 'stevedore/busybox:test', tag]);
      const pushed = await alice(['push', tag]);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
      assert.ok(digest, pushed.stdout);

      // Bob signs in with an access token: accepted as a credential, but he has no rights on acme/app.
      sessions['bob'] ??= await p.login('bob', 'bob-password');
      const created = await p.api('POST', '/api/v1/me/tokens', { label: `docker ${cli}` }, sessions['bob']);
      assert.equal(created.status, 201, created.text);
      const bob = await p.dockerAs(cli, 'bob');
      const secret = (created.json as { token: string }).token;
      assert.match(
        (await bob(['login', '-u', 'bob', '--password-stdin', p.registry], secret)).stdout,
        /Login Succeeded/,
      );
      await alice(['rmi', tag]);
      const denied = await bob(['pull', tag]).then(
        () => assert.fail('bob pulled a private repository'),
        (err: unknown) => err as DockerCliError,
      );
      assert.ok(denied instanceof DockerCliError);
      assert.ok(refused(denied), denied.stderr);
      assert.doesNotMatch(denied.stderr + denied.stdout, new RegExp(digest.slice(7)));

      // A wrong password is refused by the token service, through the engine.
      await assert.rejects(
        bob(['login', '-u', 'bob', '--password-stdin', p.registry], 'not-the-password'),
        (err: DockerCliError) => /unauthorized|incorrect|invalid/i.test(err.stderr),
      );

      const pulled = await alice(['pull', tag]);
      assert.match(pulled.stdout, new RegExp(`Digest: ${digest}`));
      assert.match((await alice(['logout', p.registry])).stdout, /Removing login credentials/);
      // Logged out, alice is anonymous again: the private repository is not there for her.
      await alice(['rmi', tag]);
      await assert.rejects(alice(['pull', tag]), refused);

      // The push, the pulls and bob's refusal are in the audit log (batched: they arrive shortly). A pull
      // names the tag, or the digest the engine resolved it to first.
      const reference = tag.slice(tag.lastIndexOf(':') + 1);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const audit = await p.must('GET', '/api/v1/audit?limit=200');
        const entries = (
          audit.json as { items: { actor: string; action: string; target: string; result: string }[] }
        ).items
          .filter((e) => [reference, digest].some((r) => e.target === `repository:acme/app:${r}`))
          .map((e) => `${e.actor} ${e.action} ${e.result}`);
        const wanted = [
          'alice registry.push success',
          'alice registry.pull success',
          'bob registry.pull failure',
        ];
        if (wanted.every((w) => entries.includes(w))) break;
        assert.ok(Date.now() < deadline, `the audit log has ${entries.join('; ')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });
  }

  it("Debian's reference registry with auth: token accepts the token service's tokens, for the same accounts", async () => {
    // The reference trusts the signing certificates the controller publishes, and sends clients to it.
    const certificates = await p.api('GET', '/auth/token/certificates');
    assert.equal(certificates.status, 200);
    assert.match(certificates.text, /^-----BEGIN CERTIFICATE-----/);
    const bundle = join(p.dataDir, 'token-signers.pem');
    await writeFile(bundle, certificates.text);
    reference = await startReferenceRegistry({
      tokenAuth: {
        realm: `https://127.0.0.1:${p.controllerPort}/auth/token`,
        service: 'stevedore-registry',
        issuer: 'stevedore',
        rootCertBundle: bundle,
      },
    });
    const tag = `${reference.host}/acme/app:reference`;
    const alice = await p.dockerAs('docker 28.2', 'alice');
    const aliceIn = await alice(
      ['login', '-u', 'alice', '--password-stdin', reference.host],
      'alice-password',
    );
    assert.match(aliceIn.stdout, /Login Succeeded/);
    await alice(['tag', 'stevedore/busybox:test', tag]);
    assert.match((await alice(['push', tag])).stdout, /digest: sha256:[0-9a-f]{64}/);

    const bob = await p.dockerAs('docker 28.2', 'bob');
    const bobIn = await bob(['login', '-u', 'bob', '--password-stdin', reference.host], 'bob-password');
    assert.match(bobIn.stdout, /Login Succeeded/);
    await alice(['rmi', tag]);
    await assert.rejects(bob(['pull', tag]), refused);
    // Bob's own namespace is his there too.
    await bob(['tag', 'stevedore/busybox:test', `${reference.host}/bob/tools:1`]);
    assert.match((await bob(['push', `${reference.host}/bob/tools:1`])).stdout, /digest: sha256:/);
    assert.match((await alice(['pull', tag])).stdout, /Downloaded newer image|Image is up to date/);
  });

  it("creates a repository on the first push to one's own namespace, lists its tags, and deletes it", async () => {
    const alice = await p.dockerAs('docker 28.2', 'alice');
    await alice(['login', '-u', 'alice', '--password-stdin', p.registry], 'alice-password');
    const tag = `${p.registry}/alice/tools:1.0`;
    await alice(['tag', 'stevedore/busybox:test', tag]);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec((await alice(['push', tag])).stdout)?.[1];
    assert.ok(digest);
    sessions['alice'] ??= await p.login('alice', 'alice-password');
    const repo = await p.api('GET', '/api/v1/repositories/alice/tools', undefined, sessions['alice']);
    assert.equal(repo.status, 200, repo.text);
    assert.equal((repo.json as { visibility: string }).visibility, 'private');
    const tags = await p.api('GET', '/api/v1/repositories/alice/tools/tags', undefined, sessions['alice']);
    assert.equal(tags.status, 200, tags.text);
    const [only] = (
      tags.json as { items: { tag: string; digest: string; pushedBy?: string; platform?: string }[] }
    ).items;
    assert.deepEqual(
      { tag: only?.tag, digest: only?.digest, pushedBy: only?.pushedBy, platform: only?.platform },
      {
        tag: '1.0',
        digest,
        pushedBy: 'alice',
        platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      },
    );
    // Bob does not see it at all: the same 404 as for a repository that does not exist.
    sessions['bob'] ??= await p.login('bob', 'bob-password');
    const hidden = await p.api('GET', '/api/v1/repositories/alice/tools', undefined, sessions['bob']);
    const missing = await p.api('GET', '/api/v1/repositories/alice/nothing', undefined, sessions['bob']);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.text.replace('tools', 'X'), missing.text.replace('nothing', 'X'));

    assert.equal(
      (await p.api('DELETE', '/api/v1/repositories/alice/tools', undefined, sessions['alice'])).status,
      204,
    );
    await alice(['rmi', tag]);
    await assert.rejects(alice(['pull', tag]), (err: DockerCliError) =>
      /not found|unknown/i.test(err.stderr),
    );
  });
});
