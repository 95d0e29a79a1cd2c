/** Docker value formatting and the shell-like command split the service form uses. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerCollection,
  containerName,
  containerNode,
  formatBytes,
  formatCpus,
  joinWords,
  splitWords,
} from '../src/ui/docker-format.js';
import { serviceSpecOf } from '../src/pages/service-spec.js';
import type { Service } from '../src/api/docker.js';

describe('docker formatting', () => {
  it('reads the node from a container name the cluster gave it', () => {
    assert.equal(containerName(['/node-1/web'], 'a'.repeat(64)), 'web');
    assert.equal(containerNode(['/node-1/web']), 'node-1');
    assert.equal(containerName(['/web'], 'a'.repeat(64)), 'web');
    assert.equal(containerNode(['/web']), undefined);
    assert.equal(containerName(undefined, 'abcdef0123456789'), 'abcdef012345');
  });
  it('formats sizes and CPUs', () => {
    assert.equal(formatBytes(2 * 1024 ** 3), '2.0 GiB');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(undefined), '—');
    assert.equal(formatCpus(4e9), '4');
    assert.equal(formatCpus(1.5e9), '1.5');
  });

  it('splits a command like a shell does for quotes', () => {
    assert.deepEqual(splitWords(`sh -c 'echo hello; sleep 1000'`), ['sh', '-c', 'echo hello; sleep 1000']);
    assert.deepEqual(splitWords(`echo "a \\"b\\" c" d\\ e ''`), ['echo', 'a "b" c', 'd e', '']);
    assert.deepEqual(splitWords('   '), []);
    assert.throws(() => splitWords(`echo 'oops`), /unclosed ' quote/);
  });

  it('joins words back, quoting where needed', () => {
    const words = ['sh', '-c', "echo it's; sleep 1"];
    assert.equal(joinWords(words), `sh -c 'echo it'\\''s; sleep 1'`);
    assert.deepEqual(splitWords(joinWords(words)), words);
  });

  it("puts a task's container in its service's collection", () => {
    const service: Service = {
      ID: 's1',
      Version: { Index: 1 },
      Spec: { Labels: { 'io.stevedore.collection': '/Shared/dev' }, TaskTemplate: {} },
    };
    const where = containerCollection([service]);
    assert.equal(where({ Labels: { 'com.docker.swarm.service.id': 's1' } }), '/Shared/dev');
    assert.equal(where({ Labels: { 'io.stevedore.collection': '/Shared/web' } }), '/Shared/web');
    assert.equal(where({ Labels: {} }), '/System');
  });
});

describe('the create-a-service form', () => {
  const form = {
    name: 'web',
    image: 'nginx:1.27',
    command: '',
    replicas: '2',
    collection: '',
    published: '',
    target: '',
  };

  it('builds a replicated service spec with the collection label and a published port', () => {
    const result = serviceSpecOf({
      ...form,
      command: `sh -c 'echo hi'`,
      collection: '/Shared/dev',
      published: '8080',
      target: '80',
    });
    assert.ok('spec' in result);
    assert.deepEqual(result.spec, {
      Name: 'web',
      Labels: { 'io.stevedore.collection': '/Shared/dev' },
      TaskTemplate: { ContainerSpec: { Image: 'nginx:1.27', Command: ['sh', '-c', 'echo hi'] } },
      Mode: { Replicated: { Replicas: 2 } },
      EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }] },
    });
  });

  it('leaves the collection to the proxy (the default one) when empty, and names each problem', () => {
    const ok = serviceSpecOf(form);
    assert.ok('spec' in ok && ok.spec.Labels === undefined);
    const bad = serviceSpecOf({
      ...form,
      name: '-x',
      image: '',
      replicas: '1.5',
      collection: 'Shared',
      published: '99999',
    });
    assert.ok('errors' in bad);
    assert.deepEqual(Object.keys(bad.errors).sort(), [
      'collection',
      'image',
      'name',
      'published',
      'replicas',
      'target',
    ]);
  });
});
