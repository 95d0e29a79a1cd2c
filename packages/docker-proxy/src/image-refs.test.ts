// References normalized as the engine normalizes them (distribution/reference).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { familiar, parseImageRef, repositoryOf, tagRefOf } from './image-refs.js';

const HEX = 'a'.repeat(64);

describe('image references', () => {
  it('normalizes names as the engine does', () => {
    const cases: [string, string | undefined][] = [
      ['busybox', 'docker.io/library/busybox:latest'],
      ['busybox:1.36', 'docker.io/library/busybox:1.36'],
      ['alice/app:1', 'docker.io/alice/app:1'],
      ['docker.io/library/busybox', 'docker.io/library/busybox:latest'],
      ['index.docker.io/library/busybox:2', 'docker.io/library/busybox:2'],
      ['localhost:5000/a/b', 'localhost:5000/a/b:latest'],
      ['localhost/a', 'localhost/a:latest'],
      ['registry.example.com/team/app:v1.2', 'registry.example.com/team/app:v1.2'],
      [`busybox@sha256:${HEX}`, `docker.io/library/busybox@sha256:${HEX}`],
      [`busybox:1@sha256:${HEX}`, `docker.io/library/busybox@sha256:${HEX}`],
      ['5089601f', 'docker.io/library/5089601f:latest'],
      // Newer engines read an upper-case first part as a registry host (older ones refuse the name).
      ['Alice/app', 'Alice/app:latest'],
      ['alice/App', undefined],
      ['alice//app', undefined],
      ['app:', undefined],
      ['', undefined],
    ];
    for (const [input, expected] of cases) {
      const parsed = parseImageRef(input);
      assert.equal(parsed && parsed.kind !== 'id' ? parsed.ref : undefined, expected, input);
    }
  });

  it('reads image ids', () => {
    assert.deepEqual(parseImageRef(HEX), { kind: 'id', id: `sha256:${HEX}` });
    assert.deepEqual(parseImageRef(`sha256:${HEX}`), { kind: 'id', id: `sha256:${HEX}` });
  });

  it('makes tags from a repository and a tag parameter, and prints the familiar form', () => {
    assert.equal(tagRefOf('alice/app', '2')?.ref, 'docker.io/alice/app:2');
    assert.equal(tagRefOf('alice/app:1', '2')?.ref, 'docker.io/alice/app:2');
    assert.equal(tagRefOf('alice/app:1', '')?.ref, 'docker.io/alice/app:1');
    assert.equal(tagRefOf('alice/app', 'bad tag'), undefined);
    assert.equal(tagRefOf(`alice/app@sha256:${HEX}`, undefined), undefined);
    assert.equal(familiar('docker.io/library/busybox:latest'), 'busybox:latest');
    assert.equal(familiar('docker.io/alice/app:1'), 'alice/app:1');
    assert.equal(familiar('docker.io/library/a/b:1'), 'library/a/b:1');
    assert.equal(familiar('localhost:5000/a:1'), 'localhost:5000/a:1');
    assert.equal(repositoryOf('localhost:5000/a/b:1'), 'localhost:5000/a/b');
    assert.equal(repositoryOf('localhost:5000/a/b'), 'localhost:5000/a/b');
    assert.equal(repositoryOf(`docker.io/library/busybox@sha256:${HEX}`), 'docker.io/library/busybox');
  });
});
