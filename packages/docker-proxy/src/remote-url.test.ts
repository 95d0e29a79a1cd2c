import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EngineRefusal } from './refusals.js';
import { checkBuildRemote, checkFetchedUrl, classifyBuildRemote, importSourceUrl } from './remote-url.js';

/** A small, honest DNS: names not listed do not resolve. */
const DNS: Record<string, string[]> = {
  'example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'github.com': ['140.82.121.3'],
  'registry.npmjs.org': ['104.16.0.35'],
  'intranet.example': ['10.1.2.3'],
  'dual.example': ['93.184.215.14', '192.168.1.10'],
  'meta.example': ['169.254.169.254'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'ula.example': ['fd00::1'],
  'cgnat.example': ['100.64.0.1'],
};
const fakeResolve = (host: string) => {
  const found = DNS[host.replace(/\.$/, '')];
  return found ? Promise.resolve(found) : Promise.reject(new Error(`ENOTFOUND ${host}`));
};

/** [url, undefined when allowed, else a fragment of the refusal] */
const CASES: readonly (readonly [string, string | undefined])[] = [
  ['https://example.com/ctx.tar', undefined],
  ['http://example.com:8080/x', undefined],
  ['HTTPS://EXAMPLE.COM/x', undefined],
  ['https://token@github.com/org/repo.git', undefined],
  ['http://93.184.215.14/x', undefined],
  ['http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/x', undefined],
  ['http://example.com./x', undefined],
  ['http://127.0.0.1:8080/ctx.tar', 'resolves to 127.0.0.1, a loopback address'],
  ['http://127.1.2.3/', 'a loopback address'],
  ['http://localhost:8080/', 'a loopback name'],
  ['http://LocalHost./', 'a loopback name'],
  ['http://foo.localhost/', 'a loopback name'],
  ['http://[::1]:8080/', 'resolves to ::1, a loopback address'],
  ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped 127.0.0.1, a loopback address'],
  ['http://[::ffff:7f00:1]/', 'IPv4-mapped 127.0.0.1'],
  ['http://[::]/', 'the unspecified address'],
  ['http://[fe80::1]/', 'a link-local address'],
  ['http://[fd12:3456::1]/', 'a private (unique local) address'],
  ['http://[ff02::1]/', 'a multicast address'],
  ['http://[64:ff9b::7f00:1]/', 'a NAT64 address'],
  ['http://[::127.0.0.1]/', 'a reserved'],
  ['http://[fe80::1%25eth0]/', 'cannot be checked'],
  ['http://0.0.0.0:8080/', 'an unspecified'],
  ['http://10.0.0.1/', 'a private address'],
  ['http://172.31.255.255/', 'a private address'],
  ['http://192.168.0.1/', 'a private address'],
  ['http://100.64.0.1/', 'carrier-grade NAT'],
  ['http://169.254.169.254/latest/meta-data/', 'a link-local address'],
  ['http://224.0.0.1/', 'a multicast address'],
  ['http://255.255.255.255/', 'the broadcast address'],
  ['http://240.0.0.1/', 'a reserved address'],
  ['http://2130706433/', 'non-standard form (127.0.0.1, a loopback address)'],
  ['http://0x7f.1/', 'non-standard form (127.0.0.1, a loopback address)'],
  ['http://0177.0.0.1/', 'non-standard form (127.0.0.1, a loopback address)'],
  ['http://0127.0.0.1/', 'non-standard form'],
  ['http://127.0.0.1./', 'non-standard form'],
  ['http://93.184.215.14.5/', 'non-standard form'],
  ['http://foo.123/', 'ends in a number'],
  ['http://public@127.0.0.1/', 'resolves to 127.0.0.1'],
  ['http://example.com@127.0.0.1/', 'resolves to 127.0.0.1'],
  ['http://example.com:80@127.0.0.1:80/', 'resolves to 127.0.0.1'],
  ['http://a@example.com@127.0.0.1/', 'more than one "@"'],
  ['http://example.com\\@127.0.0.1/', 'backslashes'],
  ['http://exa mple.com/', 'spaces'],
  ['http://%31%32%37.0.0.1/', 'not a plain DNS name'],
  ['http://exämple.com/', 'not a plain DNS name'],
  ['http:///127.0.0.1/', 'has no host'],
  ['http://example.com:80:80/', 'a port that is not a number'],
  ['ftp://example.com/x', 'scheme ftp'],
  ['file:///etc/passwd', 'scheme file'],
  ['example.com/x', 'not an absolute URL'],
  ['http://intranet.example/x', 'resolves to 10.1.2.3, a private address'],
  ['http://dual.example/x', 'resolves to 192.168.1.10, a private address'],
  ['http://meta.example/x', 'resolves to 169.254.169.254'],
  ['http://mapped.example/x', 'IPv4-mapped 127.0.0.1'],
  ['http://ula.example/x', 'resolves to fd00::1'],
  ['http://cgnat.example/x', 'carrier-grade NAT'],
  ['http://nowhere.example/x', 'does not resolve here'],
  ['git://intranet.example/repo', 'a private address'],
  ['ssh://git@[::1]/', 'a loopback address'],
];

describe('checkFetchedUrl', () => {
  for (const [url, refusal] of CASES) {
    it(`${refusal === undefined ? 'allows' : 'refuses'} ${url}`, async () => {
      const check = checkFetchedUrl(url, 'the build context', fakeResolve);
      if (refusal === undefined) return check;
      await assert.rejects(check, (err: unknown) => {
        assert.ok(err instanceof EngineRefusal);
        assert.equal(err.status, 403);
        assert.ok(err.message.includes(refusal), err.message);
        assert.ok(err.message.startsWith('access denied by Stevedore: the build context '), err.message);
        return true;
      });
    });
  }

  it('says what was refused and why, in the words the caller sees', async () => {
    await assert.rejects(checkFetchedUrl('http://127.0.0.1:8080/x', 'the build context', fakeResolve), {
      message:
        'access denied by Stevedore: the build context http://127.0.0.1:8080/x resolves to 127.0.0.1, a loopback address: the engine may only fetch from public addresses for you; ask an administrator',
    });
  });

  it('keeps credentials out of the message', async () => {
    await assert.rejects(
      checkFetchedUrl('https://s3cret@10.0.0.1/x', 'the build context', fakeResolve),
      (err: Error) => {
        assert.ok(!err.message.includes('s3cret'), err.message);
        assert.ok(err.message.includes('https://***@10.0.0.1/x'));
        return true;
      },
    );
  });
});

describe('classifyBuildRemote (dockerd 20.10 builder/remotecontext)', () => {
  const TABLE: readonly (readonly [string, ReturnType<typeof classifyBuildRemote>])[] = [
    ['', { kind: 'none' }],
    ['https://example.com/ctx.tar.gz', { kind: 'url', url: 'https://example.com/ctx.tar.gz' }],
    ['http://example.com/Dockerfile', { kind: 'url', url: 'http://example.com/Dockerfile' }],
    ['https://github.com/o/r.git', { kind: 'git', url: 'https://github.com/o/r.git' }],
    ['https://github.com/o/r.git#main:sub/dir', { kind: 'git', url: 'https://github.com/o/r.git' }],
    ['http://127.0.0.1/xgit', { kind: 'git', url: 'http://127.0.0.1/xgit' }],
    ['git://example.com/r#v1', { kind: 'git', url: 'git://example.com/r' }],
    ['github.com/o/r', { kind: 'git', url: 'https://github.com/o/r' }],
    ['github.com/o/r#dev:docker', { kind: 'git', url: 'https://github.com/o/r' }],
    ['git@github.com:o/r.git#main', { kind: 'git', url: 'ssh://git@github.com/' }],
    ['git@[::1]:r.git', { kind: 'git', url: 'ssh://git@[::1]/' }],
    ['git@host/dir:x', { kind: 'unknown', why: 'git would read it as a path on the engine host' }],
    ['HTTP://example.com/x', { kind: 'unknown', why: 'the engine does not read it as a URL' }],
    ['example.com/ctx.tar', { kind: 'unknown', why: 'the engine does not read it as a URL' }],
    ['client-session', { kind: 'unknown', why: 'it is a BuildKit session' }],
  ];
  for (const [remote, expected] of TABLE) {
    it(`reads ${JSON.stringify(remote)} as ${expected.kind}`, () => {
      assert.deepEqual(classifyBuildRemote(remote), expected);
    });
  }

  it('checks the host git or the HTTP client would connect to', async () => {
    await checkBuildRemote('github.com/o/r#main', fakeResolve);
    await checkBuildRemote('', fakeResolve);
    await assert.rejects(checkBuildRemote('git@127.0.0.1:repo', fakeResolve), /git repository of the build/);
    await assert.rejects(checkBuildRemote('http://[::1]/r.git#x:y', fakeResolve), /a loopback address/);
    await assert.rejects(checkBuildRemote('http://0x7f.1/ctx.tar', fakeResolve), /non-standard form/);
    await assert.rejects(checkBuildRemote('git@host/x', fakeResolve), /cannot be checked/);
  });
});

describe('importSourceUrl (daemon/images/import.go)', () => {
  it('is the body for "-", and gets http:// when it has no scheme', () => {
    assert.equal(importSourceUrl('-'), undefined);
    assert.equal(importSourceUrl('127.0.0.1:8080/x.tar'), 'http://127.0.0.1:8080/x.tar');
    assert.equal(importSourceUrl('HTTPS://example.com/x'), 'HTTPS://example.com/x');
  });
});
