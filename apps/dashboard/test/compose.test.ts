/** The Stacks page's compose translation and grouping, without a browser or an engine. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { ComposeError, planStack } from '../src/stacks/compose.js';
import { unsupportedKeys } from '../src/stacks/compose-keys.js';
import { parsePorts } from '../src/stacks/compose-values.js';
import { groupStacks } from '../src/stacks/stack-model.js';

const problemsOf = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ComposeError) return err.problems;
    throw err;
  }
  assert.fail('expected a ComposeError');
};

describe('compose translation', () => {
  it('makes the default network and a labelled, prefixed service like docker stack deploy', () => {
    const plan = planStack(
      'demo',
      parse(`
version: "3.8"
services:
  web:
    image: stevedore/busybox:test
    command: sleep "10 00"
    environment: { MODE: prod }
    labels: [tier=front]
    deploy: { replicas: 2, labels: { team: web } }
    ports: ["8080:80", { target: 53, published: 5353, protocol: udp, mode: host }]
`),
      '/Shared/dev',
    );
    assert.deepEqual(
      plan.networks.map((n) => [n.Name, n.Driver, n.Labels]),
      [
        [
          'demo_default',
          'overlay',
          { 'com.docker.stack.namespace': 'demo', 'io.stevedore.collection': '/Shared/dev' },
        ],
      ],
    );
    const [web] = plan.services;
    assert.equal(web?.Name, 'demo_web');
    assert.equal(web?.Labels['team'], 'web');
    assert.equal(web?.Labels['com.docker.stack.namespace'], 'demo');
    assert.equal(web?.Labels['io.stevedore.collection'], '/Shared/dev');
    const c = web.TaskTemplate.ContainerSpec;
    assert.deepEqual(c.Args, ['sleep', '10 00']);
    assert.equal(c.Command, undefined);
    assert.deepEqual(c.Env, ['MODE=prod']);
    assert.equal(c.Labels['tier'], 'front');
    assert.deepEqual(web.Mode, { Replicated: { Replicas: 2 } });
    assert.deepEqual(web.TaskTemplate.Networks, [{ Target: 'demo_default', Aliases: ['web'] }]);
    assert.deepEqual(web.EndpointSpec?.Ports, [
      { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
      { Protocol: 'udp', TargetPort: 53, PublishedPort: 5353, PublishMode: 'host' },
    ]);
  });

  it('creates declared networks, secrets and configs from inline content, and keeps external ones', () => {
    const plan = planStack(
      'shop',
      parse(`
services:
  api:
    image: api:1
    entrypoint: ["/bin/api", "--serve"]
    networks: [back]
    secrets: [db, { source: tls, target: cert.pem }]
    configs: [{ source: conf, target: etc/api.conf }]
networks:
  back: { driver: overlay, attachable: true }
secrets:
  db: { content: "pässword" }
  tls: { external: true, name: shared_tls }
configs:
  conf: { content: "x=1" }
`),
    );
    assert.deepEqual(
      plan.networks.map((n) => [n.Name, n.Attachable]),
      [['shop_back', true]],
    );
    assert.deepEqual(
      plan.secrets.map((s) => [s.Name, Buffer.from(s.Data, 'base64').toString('utf8')]),
      [['shop_db', 'pässword']],
    );
    assert.equal(plan.configs[0]?.Name, 'shop_conf');
    const c = plan.services[0]!.TaskTemplate.ContainerSpec;
    assert.deepEqual(c.Command, ['/bin/api', '--serve']);
    assert.deepEqual(
      c.Secrets.map((s) => [s.SecretName, s.File.Name]),
      [
        ['shop_db', 'db'],
        ['shared_tls', 'cert.pem'],
      ],
    );
    assert.deepEqual(
      c.Configs.map((s) => [s.ConfigName, s.File.Name]),
      [['shop_conf', '/etc/api.conf']],
    );
    assert.deepEqual(plan.services[0]!.TaskTemplate.Networks, [{ Target: 'shop_back', Aliases: ['api'] }]);
  });

  it('lists every unsupported key and problem before anything is made', () => {
    const problems = problemsOf(() =>
      planStack(
        'Bad Name',
        parse(`
services:
  web:
    build: .
    volumes: ["/data:/data"]
    deploy: { resources: { limits: { cpus: "1" } } }
    networks: [missing]
  db: { command: run }
secrets:
  key: { file: ./key.pem }
x-extra: 1
`),
      ),
    );
    for (const expected of [
      /stack name "Bad Name"/,
      /^services\.web\.build is not supported$/,
      /^services\.web\.volumes is not supported$/,
      /^services\.web\.deploy\.resources is not supported$/,
      /^secrets\.key\.file is not supported$/,
      /^x-extra is not supported$/,
      /services\.web\.networks: "missing" is not declared/,
      /services\.db\.image is required/,
      /secrets\.key: give its value inline with "content:"/,
    ])
      assert.ok(
        problems.some((p) => expected.test(p)),
        `${String(expected)} in ${problems.join('; ')}`,
      );
    assert.deepEqual(
      problemsOf(() => planStack('x', 'just text')),
      ['the file needs a "services:" mapping'],
    );
    assert.deepEqual(unsupportedKeys({ services: { a: { ports: [{ target: 1, ip: 'x' }] } } }), [
      'services.a.ports[0].ip',
    ]);
  });

  it('splits commands like a shell and reads short port forms as docker does', () => {
    const words = planStack('w', {
      services: { a: { image: 'i', command: `sh -c 'echo "hi there"' a\\ b` } },
    });
    assert.deepEqual(words.services[0]?.TaskTemplate.ContainerSpec.Args, [
      'sh',
      '-c',
      'echo "hi there"',
      'a b',
    ]);
    assert.match(
      problemsOf(() => planStack('w', { services: { a: { image: 'i', command: 'echo "x' } } }))[0]!,
      /unclosed/,
    );
    const problems: string[] = [];
    assert.deepEqual(parsePorts(['80', '9000:90/udp'], 'p', problems), [
      { Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress' },
      { Protocol: 'udp', TargetPort: 90, PublishedPort: 9000, PublishMode: 'ingress' },
    ]);
    parsePorts(['1-5:1-5', '127.0.0.1:80:80'], 'p', problems);
    assert.equal(problems.length, 2);
  });
});

describe('stack grouping', () => {
  it('groups labelled objects by stack, like docker stack ls, and ignores the rest', () => {
    const ns = (stack: string, collection = '/Shared/dev') => ({
      'com.docker.stack.namespace': stack,
      'io.stevedore.collection': collection,
    });
    const spec = (name: string, labels: Record<string, string>) => ({
      ID: name,
      Version: { Index: 1 },
      Spec: { Name: name, Labels: labels, TaskTemplate: {} },
    });
    const stacks = groupStacks({
      services: [spec('b_web', ns('b')), spec('a_api', ns('a', '/Shared/qa')), spec('lone', {})],
      networks: [{ Id: 'n1', Name: 'b_default', Labels: ns('b') }],
      secrets: [spec('b_db', ns('b'))],
      configs: [],
      volumes: [
        { Name: 'b_data', Labels: ns('b') },
        { Name: 'loose', Labels: null },
      ],
    });
    assert.deepEqual(
      stacks.map((s) => [s.name, s.services.length, s.networks.length, s.secrets.length, s.volumes.length]),
      [
        ['a', 1, 0, 0, 0],
        ['b', 1, 1, 1, 1],
      ],
    );
    assert.deepEqual(stacks[0]?.collections, ['/Shared/qa']);
  });
});
