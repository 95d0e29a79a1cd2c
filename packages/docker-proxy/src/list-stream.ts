/**
 * A non-administrator's list answer, filtered and redacted as it streams from the engine: the same
 * decisions as list-filter.ts and answer-rewrites.ts make on the parsed list (a differential test holds
 * them equal), made per element as the array's elements arrive (json-array-scan.ts), each from only the
 * members it needs (json-fields.ts: the labels, a task's service). A kept element goes on as the engine's
 * own bytes; only one redacted (env values of a service or task the caller may not read the logs of) is
 * parsed whole and serialized again. Memory holds one element, not the list; the caller's first bytes
 * leave while the engine is still writing.
 *
 * Lists of images and volumes (not a bare array of labelled items) are not streamed: `streamsList`.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { Operation } from '@stevedore/authz';
import type { ListedType } from './operations/index.js';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';
import { JsonArrayScanner, type MemberSpans } from './json-array-scan.js';
import { fieldPicker, type FieldPicker, type FieldTree } from './json-fields.js';
import { collectionOfListed, needsServiceCollections } from './list-filter.js';
import { LOGS_OF, redactResource } from './redaction.js';
import type { Resolver } from './resolver.js';

type Json = Record<string, unknown>;

export interface ListStreamContext {
  readonly access: ProxyAccess;
  readonly caller: ProxyCaller;
  /** Lists the services once, when a task or a task's container needs their collections. */
  readonly resolver: Pick<Resolver, 'serviceCollections'>;
}

/** What each type's decision reads (labels.ts, list-filter.ts): the skeleton answers as the whole would. */
export const DECIDING_FIELDS: Readonly<Record<Exclude<ListedType, 'image' | 'volume'>, FieldTree>> = {
  container: { Labels: true, Config: { Labels: true } },
  service: { Spec: { Labels: true } },
  task: { ServiceID: true },
  network: { Labels: true },
  node: { Spec: { Labels: true } },
  secret: { Spec: { Labels: true } },
  config: { Spec: { Labels: true } },
};

export type StreamedType = keyof typeof DECIDING_FIELDS;

const PICKERS = Object.fromEntries(
  Object.entries(DECIDING_FIELDS).map(([type, tree]) => [type, fieldPicker(tree)]),
) as Record<StreamedType, FieldPicker>;

export function streamsList(type: ListedType): type is StreamedType {
  return Object.hasOwn(DECIDING_FIELDS, type);
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
/** Docker's encoder ends a JSON answer with a newline: an unfiltered list leaves byte for byte the same. */
const CLOSE = Buffer.from(']\n');
const EMPTY = Buffer.from('[]\n');

interface Found {
  readonly element: Buffer;
  readonly fields: Json;
}

class FilteredList extends Transform {
  private readonly scanner = new JsonArrayScanner({ fieldDepth: 2 });
  private readonly view: Operation;
  private readonly decided = new Map<string, boolean>();
  private services: ReadonlyMap<string, string> | undefined;
  private kept = 0;
  /** A document that is not an array, kept whole (list-filter.ts passes those on as they are). */
  private other: Buffer[] | undefined;

  constructor(
    private readonly type: StreamedType,
    private readonly ctx: ListStreamContext,
  ) {
    super();
    this.view = `${type}.view` as Operation;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const found: Found[] = [];
    const pick = PICKERS[this.type];
    try {
      this.scanner.push(chunk, (element: Buffer, members: MemberSpans) =>
        found.push({
          element,
          fields: pick(element, members) ?? (JSON.parse(element.toString('utf8')) as Json),
        }),
      );
    } catch (err) {
      done(err as Error);
      return;
    }
    if (this.scanner.isArray === false) {
      (this.other ??= []).push(chunk);
      done();
      return;
    }
    this.keep(found).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.scanner.end();
      if (this.other) {
        const whole = Buffer.concat(this.other);
        JSON.parse(whole.toString('utf8')); // what is passed on must be JSON, as when it was parsed whole
        this.push(whole);
      } else this.push(this.kept === 0 ? EMPTY : CLOSE);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private allowed(operation: Operation, collection: string): boolean {
    const key = `${operation} ${collection}`;
    let allowed = this.decided.get(key);
    if (allowed === undefined) {
      allowed = decide(this.ctx.access, this.ctx.caller, operation, collection).allowed;
      this.decided.set(key, allowed);
    }
    return allowed;
  }

  private async keep(found: readonly Found[]): Promise<void> {
    const out: Buffer[] = [];
    for (const { element, fields } of found) {
      if (this.services === undefined && needsServiceCollections(this.type, fields))
        this.services = await this.ctx.resolver.serviceCollections();
      const collection = collectionOfListed(this.type, fields, this.services);
      if (!this.allowed(this.view, collection)) continue;
      out.push(this.kept === 0 ? OPEN : COMMA, this.redacted(element, collection));
      this.kept++;
    }
    if (out.length > 0) this.push(Buffer.concat(out));
  }

  /** The element as the caller may read it: redacted without the logs operation (services and tasks). */
  private redacted(element: Buffer, collection: string): Buffer {
    if (this.type !== 'service' && this.type !== 'task') return element;
    if (this.allowed(LOGS_OF[this.type], collection)) return element;
    const whole = JSON.parse(element.toString('utf8')) as unknown;
    const redacted = redactResource(this.type, whole);
    return redacted === whole ? element : Buffer.from(JSON.stringify(redacted));
  }
}

/** The caller's view of a list answer of `type`, as a stream of the engine's answer bytes to the caller's. */
export function filteredListStream(type: StreamedType, ctx: ListStreamContext): Transform {
  return new FilteredList(type, ctx);
}
