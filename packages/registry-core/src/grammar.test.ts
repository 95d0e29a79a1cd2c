import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRegistryError } from './errors.js';
import { checkName, checkTag, parseReference } from './names.js';
import { Digester, digestOf, parseDigest } from './digest.js';

describe('repository names', () => {
  const valid = [
    'a',
    'library/ubuntu',
    'a/b/c/d',
    'my-app',
    'my--app',
    'my_app',
    'my__app',
    'v1.2',
    'a0/b1',
    'x'.repeat(255),
  ];
  const invalid = [
    '',
    'Library/ubuntu',
    'a//b',
    '/a',
    'a/',
    '../etc',
    'a/../b',
    'a..b',
    'a___b',
    '-a',
    'a-',
    '.a',
    'a b',
    'a:b',
    'x'.repeat(256),
  ];
  for (const name of valid) it(`accepts ${name.slice(0, 20)}`, () => assert.equal(checkName(name), name));
  for (const name of invalid) {
    it(`refuses "${name.slice(0, 20)}" with NAME_INVALID`, () =>
      assert.throws(
        () => checkName(name),
        (err) => isRegistryError(err, 'NAME_INVALID'),
      ));
  }
});

describe('tags and references', () => {
  it('accepts tags by the spec grammar and refuses others', () => {
    for (const tag of ['latest', 'v1.0', '_x', 'A-b_c.d', 'x'.repeat(128)]) assert.equal(checkTag(tag), tag);
    for (const tag of ['', '.x', '-x', 'a/b', 'x'.repeat(129), 'ä']) {
      assert.throws(
        () => checkTag(tag),
        (err) => isRegistryError(err, 'MANIFEST_INVALID'),
        tag,
      );
    }
  });
  it('tells a digest from a tag by the colon', () => {
    assert.equal(parseReference('latest').kind, 'tag');
    assert.equal(parseReference(digestOf(Buffer.from('x'))).kind, 'digest');
    assert.throws(
      () => parseReference('sha256:abc'),
      (err) => isRegistryError(err, 'DIGEST_INVALID'),
    );
  });
});

describe('digests', () => {
  it('parses sha256 and sha512, and refuses malformed values and unknown algorithms', () => {
    const d256 = digestOf(Buffer.from('hi'));
    const d512 = digestOf(Buffer.from('hi'), 'sha512');
    assert.equal(parseDigest(d256).algorithm, 'sha256');
    assert.equal(parseDigest(d512).encoded.length, 128);
    const bad = [
      'sha256',
      'sha256:',
      `sha256:${'A'.repeat(64)}`,
      `sha256:${'a'.repeat(63)}`,
      `sha512:${'a'.repeat(64)}`,
      `md5:${'a'.repeat(32)}`,
      `sha384:${'a'.repeat(96)}`,
      `SHA256:${'a'.repeat(64)}`,
    ];
    for (const value of bad)
      assert.throws(
        () => parseDigest(value),
        (err) => isRegistryError(err, 'DIGEST_INVALID'),
        value,
      );
  });
  it('hashes while streaming, and copies keep hashing independently', () => {
    const running = Digester.create('sha256');
    running.update(Buffer.from('hello '));
    const fork = running.copy();
    running.update(Buffer.from('world'));
    fork.update(Buffer.from('there'));
    assert.equal(running.digest(), digestOf(Buffer.from('hello world')));
    assert.equal(fork.digest(), digestOf(Buffer.from('hello there')));
  });
});
