/**
 * The planner's side of the answer rewrites, per caller (test-callers): which answer kind a call gets,
 * and that a target named by an ambiguous prefix goes on by the full id of the one the caller may view.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchEndpoint } from './operations/index.js';
import { planRequest, type Plan, type PlanContext } from './plan.js';
import { Resolver } from './resolver.js';
import { IN_DEV, testCallers, type Who } from './test-callers.js';
import { fakeLookups } from './test-lookups.js';

const hex = (start: string) => start.padEnd(64, '0');
const resources = {
  containers: [
    { Id: hex('a1'), Names: ['/mine'], Labels: IN_DEV },
    { Id: hex('a2'), Names: ['/theirs'], Labels: {} },
  ],
  services: [{ ID: 'q1', Spec: { Name: 'web', Labels: IN_DEV } }],
  tasks: [{ ID: 't1', ServiceID: 'q1' }],
  execs: [{ ID: 'e1', ContainerID: hex('a1') }],
};

async function planAs(
  who: Who,
  method: string,
  url: string,
): Promise<Pick<Plan, 'answer' | 'redact' | 'url'>> {
  const { access, caller } = testCallers()[who];
  const engine = fakeLookups(resources);
  const refuse = () => Promise.reject(new Error('no body in these calls'));
  const ctx = {
    engine,
    resolver: new Resolver(engine),
    access,
    caller,
    readBody: refuse,
  } as unknown as PlanContext;
  const match = matchEndpoint(method, url);
  assert.ok(match, url);
  const { answer, redact, url: sent } = await planRequest(ctx, match, url);
  return { answer, ...(redact ? { redact } : {}), url: sent };
}

describe('answer kinds the planner picks', () => {
  // call → [admin, View Only, Restricted Control]
  const table: readonly [string, string, readonly string[]][] = [
    ['GET', '/v1.41/info', ['pass', 'info', 'info']],
    ['GET', '/v1.41/system/df', ['pass', 'disk-usage', 'disk-usage']],
    ['GET', '/v1.41/containers/mine/json', ['pass', 'redact container', 'pass']],
    ['GET', '/v1.41/services/web', ['pass', 'redact service', 'pass']],
    ['GET', '/v1.41/tasks/t1', ['pass', 'redact task', 'pass']],
    ['GET', '/v1.41/exec/e1/json', ['pass', 'redact exec', 'pass']],
    ['GET', '/v1.41/services', ['pass', 'list', 'list']],
  ];
  for (const [method, url, expected] of table) {
    it(`${method} ${url}`, async () => {
      const got = [];
      for (const who of ['admin', 'view-only', 'restricted-control'] as const) {
        const p = await planAs(who, method, url);
        got.push(p.redact ? `${p.answer} ${p.redact}` : p.answer);
      }
      assert.deepEqual(got, expected);
    });
  }

  it('keeps `top` (process command lines, and environments with ps_args=e) from View Only', async () => {
    assert.equal((await planAs('restricted-control', 'GET', '/v1.41/containers/mine/top')).answer, 'pass');
    await assert.rejects(planAs('view-only', 'GET', '/v1.41/containers/mine/top'), /container\.logs/);
  });

  it('sends an ambiguous prefix on as the full id of the container the caller may view', async () => {
    assert.equal(
      (await planAs('view-only', 'GET', '/v1.41/containers/a/json')).url,
      `/v1.41/containers/${hex('a1')}/json`,
    );
    await assert.rejects(planAs('admin', 'GET', '/v1.41/containers/a/json'), /No such container: a/);
  });
});
