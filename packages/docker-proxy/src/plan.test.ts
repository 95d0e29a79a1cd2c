/**
 * The planner as a table, in-process over a fake engine (test-lookups.ts): a request → the plan it gets
 * (what the engine is sent) or the refusal with its reason. Each row is something a caller could send;
 * the attack rows are the security review's findings, one per cause, in the encodings that got through.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchEndpoint } from './operations/index.js';
import { decodeBody } from './canonical/index.js';
import type { Plan, PlanContext } from './plan-context.js';
import { planRequest } from './plan.js';
import { EngineRefusal } from './refusals.js';
import { createMemoryImageOwners } from './image-owners.js';
import { Resolver } from './resolver.js';
import { fakeLookups, type FakeResources } from './test-lookups.js';
import { DEV, IN_DEV, testCallers, type Who } from './test-callers.js';

const ID = (c: string) => c.repeat(64);
const resources: FakeResources = {
  info: { Swarm: { NodeID: 'n1' } },
  nodes: [{ ID: 'n1', Spec: { Labels: IN_DEV }, Description: { Hostname: 'node1' } }],
  containers: [
    { Id: ID('a'), Name: '/mine', Config: { Labels: IN_DEV } },
    { Id: ID('b'), Name: '/theirs', Config: { Labels: { 'io.stevedore.collection': '/System' } } },
  ],
  networks: [
    { Id: ID('c'), Name: 'devnet', Labels: IN_DEV },
    { Id: ID('d'), Name: 'secretnet', Labels: {} },
  ],
};

function contextFor(who: Who, body: string | undefined, extra: Partial<FakeResources> = {}): PlanContext {
  const engine = fakeLookups({ ...resources, ...extra });
  const { access, caller } = testCallers()[who];
  const bytes = Buffer.from(body ?? '');
  return {
    engine,
    resolver: new Resolver(engine),
    access,
    caller,
    readBody: (kind) =>
      Promise.resolve(decodeBody(kind, bytes, { allowUnknown: caller.admin }) as Record<string, unknown>),
    images: { checkUse: () => Promise.resolve(), owners: createMemoryImageOwners() },
  };
}

async function plan(who: Who, method: string, url: string, body?: unknown, extra?: Partial<FakeResources>) {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const match = matchEndpoint(method, url);
  assert.ok(match, `${method} ${url} matches the operation map`);
  return planRequest(contextFor(who, text, extra), match, url);
}

/** The refusal a request gets: `[status, message pattern]`. */
async function refused(p: Promise<Plan>, status: number, pattern: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof EngineRefusal, String(err));
    assert.equal(err.status, status, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

const RC = 'restricted-control' as const;
const CREATE = '/v1.41/containers/create';

describe('planner: what the engine is sent', () => {
  it('labels a plain container with its collection and re-serializes the body', async () => {
    const p = await plan(RC, 'POST', `${CREATE}?name=x`, '{"image":"app","cmd":["sh"]}');
    assert.equal(p.collection, DEV);
    assert.deepEqual(JSON.parse(p.body!.toString()), {
      Image: 'app',
      Cmd: ['sh'],
      Labels: { 'io.stevedore.collection': DEV },
    });
    assert.ok(p.verify, 'a non-administrator create is read back');
  });

  it('keeps integers exact', async () => {
    const p = await plan(RC, 'POST', CREATE, '{"Image":"a","HostConfig":{"Memory":9223372036854775807}}');
    assert.match(p.body!.toString(), /"Memory":9223372036854775807/);
  });

  it('copies fields it does not know for administrators only', async () => {
    const p = await plan('admin', 'POST', CREATE, { Image: 'a', HostConfig: { Future: 1 } });
    assert.deepEqual((JSON.parse(p.body!.toString()) as { HostConfig: unknown }).HostConfig, { Future: 1 });
    assert.equal(p.verify, undefined);
    await refused(
      plan(RC, 'POST', CREATE, { Image: 'a', HostConfig: { Future: 1 } }),
      400,
      /HostConfig\.Future/,
    );
  });

  it('acts on the full id of what it checked', async () => {
    const p = await plan(RC, 'POST', '/v1.41/containers/mine/stop?t=1', undefined);
    assert.equal(p.url, `/v1.41/containers/${ID('a')}/stop?t=1`);
    assert.equal(p.body, undefined);
  });
});

describe('planner: the security review, one row per way in', () => {
  const rows: [string, string, string, unknown, number, RegExp][] = [
    [
      'lower-case keys',
      'POST',
      CREATE,
      '{"Image":"a","hostconfig":{"binds":["/:/host"]}}',
      403,
      /bind mount of host path \//,
    ],
    [
      'a long s folds to s',
      'POST',
      CREATE,
      '{"Image":"a","HostConfig":{"Bind\u017f":["/:/host"]}}',
      403,
      /bind mount of host path \//,
    ],
    [
      'two keys for one field',
      'POST',
      CREATE,
      '{"Image":"a","HostConfig":{},"hostconfig":{"Privileged":true}}',
      400,
      /ambiguous/,
    ],
    [
      'labels twice',
      'POST',
      CREATE,
      '{"Image":"a","Labels":{},"labels":{"io.stevedore.collection":"/System"}}',
      400,
      /ambiguous/,
    ],
    [
      'systempaths=unconfined',
      'POST',
      CREATE,
      { Image: 'a', HostConfig: { MaskedPaths: [], ReadonlyPaths: [] } },
      403,
      /systempaths=unconfined/,
    ],
    [
      'an inline seccomp profile',
      'POST',
      CREATE,
      { Image: 'a', HostConfig: { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] } },
      403,
      /security option/,
    ],
    [
      'a cgroup parent',
      'POST',
      CREATE,
      { Image: 'a', HostConfig: { CgroupParent: '/' } },
      403,
      /CgroupParent .* administrators only/,
    ],
    [
      'a NetworkID the name hides',
      'POST',
      CREATE,
      { Image: 'a', NetworkingConfig: { EndpointsConfig: { devnet: { NetworkID: ID('d') } } } },
      404,
      /network .* not found/,
    ],
    [
      'a spoofed task label',
      'POST',
      CREATE,
      { Image: 'a', Labels: { 'com.docker.swarm.service.id': 'x' } },
      403,
      /only Swarm sets/,
    ],
    [
      'an exec under Restricted Control',
      'POST',
      '/v1.41/containers/mine/exec',
      { Cmd: ['sh'], Privileged: true },
      403,
      /container\.exec on \/Shared\/dev is not allowed/,
    ],
    [
      'another container in a connect',
      'POST',
      '/v1.41/networks/devnet/connect',
      '{"Container":"mine","container":"theirs"}',
      400,
      /ambiguous/,
    ],
    [
      'an invisible container in a connect',
      'POST',
      '/v1.41/networks/devnet/connect',
      { Container: 'theirs' },
      404,
      /No such container: theirs/,
    ],
    [
      'an old API version',
      'POST',
      '/v1.23/containers/mine/start',
      '{"HostConfig":{"Binds":["/:/h"]}}',
      400,
      /too old/,
    ],
    [
      'devices in an update',
      'POST',
      '/v1.41/containers/mine/update',
      { Devices: [{ PathOnHost: '/dev/sda' }] },
      403,
      /host devices/,
    ],
    [
      'a macvlan network',
      'POST',
      '/v1.41/networks/create',
      { Name: 'n', Driver: 'macvlan' },
      403,
      /host's segment/,
    ],
    [
      'a second, lower-case placement',
      'POST',
      '/v1.41/services/create',
      '{"Name":"s","TaskTemplate":{"ContainerSpec":{"Image":"a"},"Placement":{},"placement":{"Constraints":[]}}}',
      400,
      /ambiguous/,
    ],
    [
      'a bind under a service',
      'POST',
      '/v1.41/services/create',
      {
        Name: 's',
        TaskTemplate: {
          ContainerSpec: { Image: 'a', Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] },
        },
      },
      403,
      /bind mount of host path \//,
    ],
  ];
  for (const [name, method, url, body, status, pattern] of rows) {
    it(`refuses ${name}`, () => refused(plan(RC, method, url, body), status, pattern));
  }

  it('refuses a container on a node the caller may not schedule on', async () => {
    const elsewhere = { nodes: [{ ID: 'n1', Spec: { Labels: { 'io.stevedore.collection': '/System' } } }] };
    await refused(plan(RC, 'POST', CREATE, { Image: 'a' }, elsewhere), 403, /this engine's node is refused/);
  });
});
