/**
 * The event stream as each caller reads it (test-callers): exec events of a container in /Shared/dev,
 * whole for whoever may read its logs (administrators' streams are not filtered at all), with the command
 * redacted for View Only; events of an invisible container for nobody but administrators.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { eventFilter } from './event-filter.js';
import { REDACTED } from './redaction.js';
import type { Resolver } from './resolver.js';
import { IN_DEV, testCallers, type Who } from './test-callers.js';

const event = (action: string, labels: Record<string, string>, extra: Record<string, string> = {}) => ({
  status: action,
  id: 'c1',
  Type: 'container',
  Action: action,
  Actor: { ID: 'c1', Attributes: { name: 'box', execID: 'e1', ...labels, ...extra } },
  time: 1,
});

const stream = [
  event('exec_create: sh -c echo topsecret', IN_DEV),
  event('exec_start: sh -c echo topsecret', IN_DEV),
  event('exec_die', IN_DEV, { exitCode: '0' }),
  event('start', IN_DEV),
  event('exec_create: sh -c echo hidden', {}),
];

async function eventsAs(who: Who): Promise<unknown[]> {
  const { access, caller } = testCallers()[who];
  const lines = stream.map((e) => `${JSON.stringify(e)}\n`);
  if (caller.admin) return stream; // the proxy pipes administrators' events as the engine sends them
  const out: string[] = [];
  const filter = Readable.from(lines).pipe(eventFilter(access, caller, {} as Resolver));
  for await (const chunk of filter as AsyncIterable<Buffer | string>) out.push(chunk.toString());
  return out
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
}

describe('exec events', () => {
  it('administrator: every event as it is', async () => {
    assert.deepEqual(await eventsAs('admin'), stream);
  });

  it('Restricted Control (reads logs): its container’s events whole, nothing of the invisible one', async () => {
    assert.deepEqual(await eventsAs('restricted-control'), stream.slice(0, 4));
  });

  it('View Only: the same events with the command redacted', async () => {
    assert.deepEqual(await eventsAs('view-only'), [
      event(`exec_create: ${REDACTED}`, IN_DEV),
      event(`exec_start: ${REDACTED}`, IN_DEV),
      stream[2],
      stream[3],
    ]);
  });
});
