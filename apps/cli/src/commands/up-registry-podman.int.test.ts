/**
 * podman (Debian) against the platform registry as `stevedore up` serves it, TLS verified against the
 * cluster CA (`--cert-dir`): a team member logs in with a password, pulls the image the docker CLI pushed,
 * tags and pushes it back, and the REST API lists the new tag as hers; logged out she is anonymous again;
 * a user without rights is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPodman, type Podman } from '@stevedore/testkit';
import { startPlatform, type Platform } from './platform-fixture.js';

const refused = /denied|not found|unauthorized|manifest unknown/i;

interface Tag {
  tag: string;
  digest: string;
  pushedBy?: string;
}

describe('podman with the platform registry', () => {
  let p: Platform;
  const podmen: Podman[] = [];
  let image: (tag: string) => string;
  let dockerDigest: string;

  const podmanFor = async () => {
    const podman = await createPodman({ caPem: p.caPem });
    podmen.push(podman);
    return podman;
  };

  before(async () => {
    p = await startPlatform('up-registry-podman');
    image = (tag) => `${p.registry}/acme/app:${tag}`;
    const alice = await p.dockerAs('docker 28.2', 'alice');
    await alice(['login', '-u', 'alice', '--password-stdin', p.registry], 'alice-password');
    await alice(['tag', 'stevedore/busybox:test', image('docker')]);
    const pushed = await alice(['push', image('docker')]);
    const found = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
    assert.ok(found, pushed.stdout);
    dockerDigest = found;
  });
  after(async () => {
    await Promise.all(podmen.map((podman) => podman.close()));
    if (p) assert.equal(await p.stop(), 0, 'Ctrl-C stops cleanly');
  });

  it('a team member logs in, pulls, tags and pushes; the tag is hers; logged out she is anonymous', async () => {
    const podman = await podmanFor();
    const login = await podman.run(
      ['login', ...podman.certArgs, '-u', 'alice', '--password-stdin', p.registry],
      'alice-password',
    );
    assert.match(login.stdout, /Login Succeeded/);
    await podman.run(['pull', '--quiet', ...podman.certArgs, image('docker')]);
    const inspected = await podman.run(['image', 'inspect', '--format', '{{.Digest}}', image('docker')]);
    assert.equal(inspected.stdout.trim(), dockerDigest, 'podman pulled the manifest docker pushed');

    await podman.run(['tag', image('docker'), image('podman')]);
    const digestFile = join(p.dataDir, 'podman-push.digest');
    await podman.run(['push', '--quiet', ...podman.certArgs, '--digestfile', digestFile, image('podman')]);
    const pushedDigest = (await readFile(digestFile, 'utf8')).trim();
    assert.match(pushedDigest, /^sha256:[0-9a-f]{64}$/);

    const session = await p.login('alice', 'alice-password');
    const res = await p.api('GET', '/api/v1/repositories/acme/app/tags', undefined, session);
    assert.equal(res.status, 200, res.text);
    const tag = (res.json as { items: Tag[] }).items.find((t) => t.tag === 'podman');
    assert.equal(tag?.digest, pushedDigest);
    assert.equal(tag?.pushedBy, 'alice');

    const logout = await podman.run(['logout', p.registry]);
    assert.match(logout.stdout, /Removed login credentials/);
    const auth = JSON.parse(await readFile(podman.authFile, 'utf8')) as { auths?: Record<string, unknown> };
    assert.equal(auth.auths?.[p.registry], undefined, 'the auth file forgot the registry');
    await assert.rejects(podman.run(['pull', '--quiet', ...podman.certArgs, image('podman')]), refused);
  });

  it('a user without rights logs in, and his pull is refused without the manifest', async () => {
    const podman = await podmanFor();
    const login = await podman.run(
      ['login', ...podman.certArgs, '-u', 'bob', '--password-stdin', p.registry],
      'bob-password',
    );
    assert.match(login.stdout, /Login Succeeded/);
    await assert.rejects(
      podman.run(['pull', '--quiet', ...podman.certArgs, image('docker')]),
      (err: Error) => {
        assert.match(err.message, refused);
        assert.doesNotMatch(err.message, new RegExp(dockerDigest.slice(7)));
        return true;
      },
    );
    const images = await podman.run(['images', '--quiet']);
    assert.equal(images.stdout.trim(), '', 'nothing was stored');
    // A wrong password is refused by the token service.
    await assert.rejects(
      podman.run(['login', ...podman.certArgs, '-u', 'bob', '--password-stdin', p.registry], 'wrong'),
      /unauthorized|invalid|incorrect/i,
    );
  });
});
