/**
 * Redaction as pure functions: each inspect shape in, the same shape out with env values (or the exec's
 * command) replaced, the input untouched; exec events; and a service update that sends the marker back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  REDACTED,
  redactEnv,
  redactExecEvent,
  redactResource,
  restoreRedactedEnv,
  restoringEnv,
  type RedactedType,
} from './redaction.js';
import type { PlanContext } from './plan-context.js';

const R = REDACTED;
const env = ['PASSWORD=hunter2', 'EMPTY=', 'INHERITED', 'URL=a=b'];
const redactedEnv = [`PASSWORD=${R}`, `EMPTY=${R}`, 'INHERITED', `URL=${R}`];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const cases: readonly { type: RedactedType; input: unknown; output: unknown }[] = [
  {
    type: 'container',
    input: { Id: 'c', Config: { Env: env, Cmd: ['sleep', '1'] } },
    output: { Id: 'c', Config: { Env: redactedEnv, Cmd: ['sleep', '1'] } },
  },
  {
    type: 'container',
    input: { Id: 'c', Config: { Env: null } },
    output: { Id: 'c', Config: { Env: null } },
  },
  { type: 'container', input: { Id: 'c' }, output: { Id: 'c' } },
  {
    type: 'service',
    input: {
      ID: 's',
      Spec: { TaskTemplate: { ContainerSpec: { Image: 'i', Env: env } } },
      PreviousSpec: { TaskTemplate: { ContainerSpec: { Env: ['OLD=secret'] } } },
    },
    output: {
      ID: 's',
      Spec: { TaskTemplate: { ContainerSpec: { Image: 'i', Env: redactedEnv } } },
      PreviousSpec: { TaskTemplate: { ContainerSpec: { Env: [`OLD=${R}`] } } },
    },
  },
  {
    type: 'task',
    input: { ID: 't', Spec: { ContainerSpec: { Env: ['A=1'] } }, Status: { State: 'running' } },
    output: { ID: 't', Spec: { ContainerSpec: { Env: [`A=${R}`] } }, Status: { State: 'running' } },
  },
  {
    type: 'exec',
    input: {
      ID: 'e',
      ProcessConfig: { tty: false, entrypoint: 'sh', arguments: ['-c', 'echo topsecret'], privileged: false },
    },
    output: {
      ID: 'e',
      ProcessConfig: { tty: false, entrypoint: R, arguments: [R], privileged: false },
    },
  },
];

describe('redaction of inspected resources', () => {
  for (const [i, { type, input, output }] of cases.entries()) {
    it(`redacts ${type} #${i} and leaves its input as it was`, () => {
      const frozen = deepFreeze(structuredClone(input));
      assert.deepEqual(redactResource(type, frozen), output);
      assert.deepEqual(frozen, input);
    });
  }

  it('answers the very same object when there is nothing to redact', () => {
    const container = { Id: 'c', Config: { Cmd: ['x'] } };
    assert.equal(redactResource('container', container), container);
    assert.equal(redactEnv(undefined), undefined);
  });
});

describe('redaction of exec events', () => {
  const event = (action: string, attributes: Record<string, string> = {}) => ({
    status: action,
    Type: 'container',
    Action: action,
    Actor: { ID: 'c', Attributes: { name: 'box', execID: 'e1', ...attributes } },
  });

  it('replaces the command of exec_create and exec_start, in Action, status and any attribute', () => {
    for (const kind of ['exec_create', 'exec_start']) {
      const out = redactExecEvent(event(`${kind}: sh -c echo topsecret`, { cmd: 'sh -c echo topsecret' }));
      assert.deepEqual(out, event(`${kind}: ${R}`, { cmd: R }));
      assert.doesNotMatch(JSON.stringify(out), /topsecret/);
    }
  });

  it('leaves other events as they are', () => {
    for (const e of [
      event('exec_die', { exitCode: '0' }),
      event('start'),
      { ...event('x: y'), Type: 'network' },
    ])
      assert.equal(redactExecEvent(e), e);
  });
});

describe('a service update sending back what it read redacted', () => {
  it('gets the current values back for the redacted variables, and keeps what it changed', () => {
    const current = ['PASSWORD=hunter2', 'MODE=prod', 'GONE=x'];
    const sent = [`PASSWORD=${R}`, 'MODE=dev', `NEW=${R}`, 'ADDED=1'];
    assert.deepEqual(restoreRedactedEnv(sent, current), [
      'PASSWORD=hunter2',
      'MODE=dev',
      `NEW=${R}`,
      'ADDED=1',
    ]);
    assert.deepEqual(restoreRedactedEnv(sent, undefined), sent);
  });
});

describe('restoringEnv', () => {
  it('gives the planner the update body with the service’s own values back', async () => {
    const service = { Spec: { TaskTemplate: { ContainerSpec: { Env: ['PASSWORD=hunter2'] } } } };
    const body = { TaskTemplate: { ContainerSpec: { Env: [`PASSWORD=${R}`, 'MODE=dev'] } } };
    const ctx = { readBody: () => Promise.resolve(structuredClone(body)) } as unknown as PlanContext;
    assert.deepEqual(await restoringEnv(ctx, service).readBody('service.spec'), {
      TaskTemplate: { ContainerSpec: { Env: ['PASSWORD=hunter2', 'MODE=dev'] } },
    });
  });
});
