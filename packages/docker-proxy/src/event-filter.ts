/**
 * The event stream (`GET /events`), filtered as it flows: each event is kept only when the caller may view
 * the resource it is about. Container events carry the container's labels; other resources are looked up
 * once per stream and remembered, so a `destroy` event after the resource is gone is still placed.
 * Engine-wide events (daemon, plugins) are for administrators.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { Operation } from '@stevedore/authz';
import type { ResourceType } from './operations/index.js';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';
import { COLLECTION_LABEL, SERVICE_ID_LABEL, UNLABELLED_COLLECTION } from './labels.js';
import { redactExecEvent } from './redaction.js';
import type { Resolver } from './resolver.js';
import { imageEventVisible, type ImageScope } from './image-access.js';

interface EngineEvent {
  readonly Type?: string;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Record<string, string> };
}

const LOOKED_UP = new Set<string>(['service', 'node', 'network', 'volume', 'secret', 'config']);
const MAX_LINE = 1024 * 1024;

export function eventFilter(
  access: ProxyAccess,
  caller: ProxyCaller,
  resolver: Resolver,
  images?: ImageScope,
): Transform {
  const known = new Map<string, string | undefined>();
  let pending = '';

  const collectionOf = async (event: EngineEvent): Promise<string | undefined> => {
    const type = event.Type ?? '';
    const id = event.Actor?.ID ?? '';
    const attributes = event.Actor?.Attributes ?? {};
    if (type === 'container') {
      const serviceId = attributes[SERVICE_ID_LABEL];
      if (serviceId) return remember(`service:${serviceId}`, () => resolver.serviceCollection(serviceId));
      return attributes[COLLECTION_LABEL] ?? UNLABELLED_COLLECTION;
    }
    // Images: only events of tags (or images) the caller may see (image-access.ts).
    if (type === 'image')
      return images && (await imageEventVisible(images, event)) ? caller.defaultCollection : undefined;
    if (!LOOKED_UP.has(type)) return undefined;
    return remember(
      `${type}:${id}`,
      async () => (await resolver.locate(type as ResourceType, id))?.collection,
    );
  };
  const remember = async (key: string, find: () => Promise<string | undefined>) => {
    if (!known.has(key)) known.set(key, await find().catch(() => undefined));
    return known.get(key);
  };

  /** The line to pass on (an exec's command redacted without `container.logs`, redaction.ts), or none. */
  const keep = async (line: string): Promise<string | undefined> => {
    let event: EngineEvent;
    try {
      event = JSON.parse(line) as EngineEvent;
    } catch {
      return undefined;
    }
    const collection = await collectionOf(event);
    if (collection === undefined) return undefined;
    if (!decide(access, caller, `${event.Type ?? ''}.view` as Operation, collection).allowed)
      return undefined;
    const redacted = redactExecEvent(event as Record<string, unknown>);
    if (redacted === event || decide(access, caller, 'container.logs', collection).allowed) return line;
    return JSON.stringify(redacted);
  };

  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      pending += chunk.toString('utf8');
      if (pending.length > MAX_LINE && !pending.includes('\n')) pending = ''; // not an event stream
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      (async () => {
        for (const line of lines) {
          const kept = line.trim() ? await keep(line) : undefined;
          if (kept !== undefined) this.push(`${kept}\n`);
        }
      })().then(() => done(), done);
    },
  });
}
