/**
 * Answer rewrites as a caller gets them: for each of admin, View Only and Restricted Control (test-callers),
 * the engine's answer in, what the proxy sends out. Whoever needs nothing redacted gets the engine's
 * answer itself (the same object: the proxy then sends the engine's bytes).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ListedType } from './operations/index.js';
import { answerContext, answerOfOne, rewriteAnswer, rewritesAnswer } from './answer-rewrites.js';
import { filterList } from './list-filter.js';
import type { Plan } from './plan-context.js';
import { REDACTED as R } from './redaction.js';
import { Resolver, type Located } from './resolver.js';
import { DEV, EVERYONE, IN_DEV, testCallers, type Who } from './test-callers.js';
import { fakeLookups, type FakeResources } from './test-lookups.js';

const ENV = ['PASSWORD=hunter2'];
const REDACTED_ENV = [`PASSWORD=${R}`];
const service = (id: string, labels: Record<string, string>, env = ENV) => ({
  ID: id,
  Spec: { Name: id, Labels: labels, TaskTemplate: { ContainerSpec: { Env: env } } },
});
const task = (id: string, serviceId: string, env = ENV) => ({
  ID: id,
  ServiceID: serviceId,
  Spec: { ContainerSpec: { Env: env } },
});

function setup(who: Who, resources: FakeResources = {}) {
  const { access, caller } = testCallers()[who];
  const engine = fakeLookups(resources);
  return { engine, ctx: answerContext(engine, new Resolver(engine), access, caller), access, caller };
}

/** An inspect on one resource in /Shared/dev, planned and answered as the proxy does. */
function inspectAs(who: Who, call: string, answer: unknown): Promise<unknown> {
  const { ctx, access, caller } = setup(who);
  const found: Located = { type: 'container', id: 'x', collection: DEV, resource: {} };
  const plan = { ...answerOfOne(access, caller, call, found), action: '', target: '', url: '' } as Plan;
  return rewritesAnswer(plan.answer, 200) ? rewriteAnswer(plan, answer, ctx) : Promise.resolve(answer);
}

/** A list as the proxy answers it: administrators' whole; others' filtered, then redacted. */
async function listAs(who: Who, type: ListedType, list: unknown, resources: FakeResources = {}) {
  const { ctx, access, caller } = setup(who, resources);
  if (caller.admin) return list;
  const filtered = await filterList(type, list, access, caller, ctx.resolver);
  return rewriteAnswer({ action: '', target: '', url: '', answer: 'list', listType: type }, filtered, ctx);
}

describe('inspects of containers, services, tasks and exec instances', () => {
  const container = { Id: 'x', Config: { Env: ENV } };
  const exec = { ID: 'e', ProcessConfig: { entrypoint: 'sh', arguments: ['-c', 'echo topsecret'] } };
  const table: readonly [string, unknown, unknown][] = [
    ['GET /containers/{id}/json', container, { Id: 'x', Config: { Env: REDACTED_ENV } }],
    ['GET /services/{id}', service('s', IN_DEV), service('s', IN_DEV, REDACTED_ENV)],
    ['GET /tasks/{id}', task('t', 's'), task('t', 's', REDACTED_ENV)],
    ['GET /exec/{id}/json', exec, { ID: 'e', ProcessConfig: { entrypoint: R, arguments: [R] } }],
  ];
  for (const [call, answer, redacted] of table) {
    it(`${call}: redacted for View Only, whole (the same object) for admin and Restricted Control`, async () => {
      assert.equal(await inspectAs('admin', call, answer), answer);
      assert.equal(await inspectAs('restricted-control', call, answer), answer);
      assert.deepEqual(await inspectAs('view-only', call, answer), redacted);
    });
  }

  it('leaves other calls on one resource alone', async () => {
    const top = { Titles: ['CMD'], Processes: [['sleep 1']] };
    for (const who of EVERYONE) assert.equal(await inspectAs(who, 'GET /containers/{id}/top', top), top);
  });
});

describe('lists of services and tasks', () => {
  const resources = { services: [service('dev', IN_DEV), service('sys', {})] };
  const services = [service('dev', IN_DEV), service('sys', {})];
  const tasks = [task('t1', 'dev'), task('t2', 'sys')];

  it('services: admin all as they are; Restricted Control its own whole; View Only its own redacted', async () => {
    assert.equal(await listAs('admin', 'service', services), services);
    assert.deepEqual(await listAs('restricted-control', 'service', services), [services[0]]);
    assert.deepEqual(await listAs('view-only', 'service', services), [service('dev', IN_DEV, REDACTED_ENV)]);
  });

  it('tasks, placed by their service', async () => {
    assert.equal(await listAs('admin', 'task', tasks, resources), tasks);
    assert.deepEqual(await listAs('restricted-control', 'task', tasks, resources), [tasks[0]]);
    assert.deepEqual(await listAs('view-only', 'task', tasks, resources), [task('t1', 'dev', REDACTED_ENV)]);
  });

  it('keeps the fast path: a list seen whole and unredacted is the same object', async () => {
    const own = [service('a', IN_DEV), service('b', IN_DEV)];
    assert.equal(await listAs('restricted-control', 'service', own), own);
    assert.notEqual(await listAs('view-only', 'service', own), own);
  });

  it('lists the services once for a list of tasks', async () => {
    const { engine, ctx, access, caller } = setup('view-only', resources);
    const filtered = await filterList('task', tasks, access, caller, ctx.resolver);
    await rewriteAnswer({ action: '', target: '', url: '', answer: 'list', listType: 'task' }, filtered, ctx);
    assert.deepEqual(engine.calls, ['/services']);
  });
});

describe('name conflicts', () => {
  const adminBox = { Id: 'a'.repeat(64), Names: ['/taken'], Labels: {} };
  const devBox = { Id: 'd'.repeat(64), Names: ['/shared'], Labels: IN_DEV };
  const conflict = (id: string) => ({
    message: `Conflict. The container name "/taken" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  });
  const hidden = {
    message:
      'Conflict. The container name "/taken" is already in use by another container. You have to remove (or rename) that container to be able to reuse that name.',
  };

  it('names the holder only to whoever may view it', async () => {
    for (const who of ['view-only', 'restricted-control'] as const) {
      const { ctx } = setup(who, { containers: [adminBox, devBox] });
      const plan = { action: '', target: '', url: '', answer: 'name-conflict' } as const;
      assert.deepEqual(await rewriteAnswer(plan, conflict(adminBox.Id), ctx), hidden);
      const visible = conflict(devBox.Id);
      assert.equal(await rewriteAnswer(plan, visible, ctx), visible);
    }
  });

  it('rewrites only a 409 of a name-conflict answer, and only successes otherwise', () => {
    assert.deepEqual(
      [409, 201, 404].map((s) => rewritesAnswer('name-conflict', s)),
      [true, false, false],
    );
    assert.deepEqual(
      [200, 404].map((s) => rewritesAnswer('redact', s)),
      [true, false],
    );
    assert.equal(rewritesAnswer('pass', 200), false);
  });
});
