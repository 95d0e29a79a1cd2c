/**
 * skopeo (Debian) against the platform registry as `stevedore up` serves it, with TLS verified against the
 * cluster CA (never `--tls-verify=false` for ours): a team member's image copied to Debian's reference
 * registry with `--src-creds` and back under another tag with `--dest-creds`, the same manifest at every
 * hop; a user without rights refused; a service account with read-only access pulling with its token but
 * not pushing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  createSkopeo,
  startReferenceRegistry,
  type ReferenceRegistry,
  type Skopeo,
} from '@stevedore/testkit';
import { startPlatform, type Platform } from './platform-fixture.js';

const exec = promisify(execFile);
const refused = /denied|not found|unauthorized|manifest unknown/i;

interface Tag {
  tag: string;
  digest: string;
  pushedBy?: string;
}

describe('skopeo with the platform registry', () => {
  let p: Platform;
  let reference: ReferenceRegistry | undefined;
  let skopeo: Skopeo | undefined;
  let digest: string;
  let ours: (tag: string) => string;

  before(async () => {
    p = await startPlatform('up-registry-skopeo');
    ours = (tag) => `docker://${p.registry}/acme/app:${tag}`;
    reference = await startReferenceRegistry();
    skopeo = await createSkopeo({ verify: { hosts: [p.registry], caPem: p.caPem } });
    // Alice pushes the test image with the docker CLI first.
    const alice = await p.dockerAs('docker 28.2', 'alice');
    await alice(['login', '-u', 'alice', '--password-stdin', p.registry], 'alice-password');
    await alice(['tag', 'stevedore/busybox:test', `${p.registry}/acme/app:skopeo`]);
    const pushed = await alice(['push', `${p.registry}/acme/app:skopeo`]);
    const found = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
    assert.ok(found, pushed.stdout);
    digest = found;
  });
  after(async () => {
    await Promise.all([reference?.stop(), skopeo?.close()]);
    if (p) assert.equal(await p.stop(), 0, 'Ctrl-C stops cleanly');
  });

  async function tags(): Promise<Tag[]> {
    const token = await p.login('alice', 'alice-password');
    const res = await p.api('GET', '/api/v1/repositories/acme/app/tags', undefined, token);
    assert.equal(res.status, 200, res.text);
    return (res.json as { items: Tag[] }).items;
  }

  it('verifies the registry against the cluster CA: another CA is refused', async () => {
    const { stdout: otherCa } = await exec('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      '/CN=not the cluster CA',
      '-days',
      '1',
    ]);
    const stranger = await createSkopeo({ verify: { hosts: [p.registry], caPem: otherCa } });
    try {
      await assert.rejects(
        stranger.inspectRaw(ours('skopeo'), ['--creds', 'alice:alice-password']),
        /certificate signed by unknown authority|x509/,
      );
    } finally {
      await stranger.close();
    }
  });

  it('copies a team member’s image to the reference registry and back under another tag', async () => {
    const s = skopeo!;
    const copied = `docker://${reference!.host}/acme/app:copied`;
    await s.copy(ours('skopeo'), copied, ['--src-creds', 'alice:alice-password']);
    const original = await s.inspectRaw(ours('skopeo'), ['--creds', 'alice:alice-password']);
    assert.deepEqual(await s.inspectRaw(copied), original, 'the reference holds the same manifest bytes');

    await s.copy(copied, ours('skopeo-back'), ['--dest-creds', 'alice:alice-password']);
    assert.deepEqual(await s.inspectRaw(ours('skopeo-back'), ['--creds', 'alice:alice-password']), original);
    const back = (await tags()).find((t) => t.tag === 'skopeo-back');
    assert.equal(back?.digest, digest, 'the tag names the manifest alice pushed');
    assert.equal(back?.pushedBy, 'alice');
  });

  it('refuses a user without rights, without showing the manifest', async () => {
    await assert.rejects(
      skopeo!.inspectRaw(ours('skopeo'), ['--creds', 'bob:bob-password']),
      (err: Error) => {
        assert.match(err.message, refused);
        assert.doesNotMatch(err.message, new RegExp(digest.slice(7)));
        return true;
      },
    );
    await assert.rejects(
      skopeo!.copy(`docker://${reference!.host}/acme/app:copied`, ours('by-bob'), [
        '--dest-creds',
        'bob:bob-password',
      ]),
      refused,
    );
    assert.ok(!(await tags()).some((t) => t.tag === 'by-bob'));
  });

  it('lets a read-only service account pull with its token, and not push', async () => {
    await p.must('POST', '/api/v1/orgs/acme/service-accounts', {
      name: 'ci',
      description: 'skopeo in CI',
      repositories: [{ name: 'app', access: 'read-only' }],
    });
    const created = await p.must('POST', '/api/v1/orgs/acme/service-accounts/ci/tokens', { label: 'skopeo' });
    const token = (created.json as { token: string }).token;
    const creds = `acme+ci:${token}`;

    const raw = await skopeo!.inspectRaw(ours('skopeo'), ['--creds', creds]);
    assert.deepEqual(raw, await skopeo!.inspectRaw(ours('skopeo'), ['--creds', 'alice:alice-password']));
    await assert.rejects(
      skopeo!.copy(`docker://${reference!.host}/acme/app:copied`, ours('by-ci'), ['--dest-creds', creds]),
      refused,
    );
    assert.ok(!(await tags()).some((t) => t.tag === 'by-ci'), 'nothing was tagged');
    // A wrong token is no credential at all.
    await assert.rejects(
      skopeo!.inspectRaw(ours('skopeo'), ['--creds', 'acme+ci:not-the-token']),
      /unauthorized|invalid|incorrect/i,
    );
  });
});
