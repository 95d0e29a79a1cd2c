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
import type { ProxyAccess, ProxyCaller } from './caller.js';
import { decideOnce, type Decider } from './decisions.js';
import { JsonArrayScanner, type MemberSpans } from './json-array-scan.js';
import { fieldPicker, type FieldPicker, type FieldTree } from './json-fields.js';
import { collectionOfListed, needsServiceCollections } from './list-filter.js';
import { MAX_ANSWER, type ListMemo, type ScannedElement, type ScannedList } from './list-memo.js';
import { LOGS_OF, redactResource, type RedactedType } from './redaction.js';
import type { Resolver } from './resolver.js';

type Json = Record<string, unknown>;

export interface ListStreamContext {
  readonly access: ProxyAccess;
  readonly caller: ProxyCaller;
  /** Lists the services once, when a task or a task's container needs their collections. */
  readonly resolver: Pick<Resolver, 'serviceCollections'>;
  /** Decides for the caller, keeping decisions across calls (decisions.ts); else for this call only. */
  readonly decider?: Decider;
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

/** An element to decide: its bytes are `source[start, end)` (cut out only when it is kept). */
interface Found {
  readonly source: Buffer;
  readonly start: number;
  readonly end: number;
  readonly fields: Json;
}

/** Where a list answer's scan is kept for the next identical answer (list-memo.ts), and under which key. */
export interface ListMemoSlot {
  readonly memo: ListMemo;
  /** What was asked of the engine: the planned URL. */
  readonly key: string;
}

class FilteredList extends Transform {
  private readonly scanner = new JsonArrayScanner({ fieldDepth: 2 });
  private readonly view: Operation;
  private readonly allowed: Decider;
  private services: ReadonlyMap<string, string> | undefined;
  private kept = 0;
  /** A document that is not an array, kept whole (list-filter.ts passes those on as they are). */
  private other: Buffer[] | undefined;

  // The memo: `candidate` while this answer is, so far, byte for byte the one scanned before (`received`
  // bytes matched, its first `next` elements decided); else what this scan records for the next answer.
  private candidate: ScannedList | undefined;
  private received = 0;
  private next = 0;
  /** Elements the scanner emits that were decided already, from the candidate, before the answer differed. */
  private skip = 0;
  private recorded: ScannedElement[] | undefined = [];
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly type: StreamedType,
    private readonly ctx: ListStreamContext,
    private readonly slot: ListMemoSlot | undefined,
  ) {
    super();
    this.view = `${type}.view` as Operation;
    this.allowed = ctx.decider ?? decideOnce(ctx.access, ctx.caller);
    this.candidate = slot?.memo.get(slot.key);
    if (!slot) this.recorded = undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let found: Found[];
    try {
      found = this.candidate ? this.compare(chunk) : this.scan(chunk);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (this.other) {
      done();
      return;
    }
    this.keep(found).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    let found: Found[] = [];
    try {
      const candidate = this.candidate;
      // The whole answer matched the one scanned before: its remaining elements; else the scan must end whole.
      if (candidate && this.received === candidate.raw.length) found = this.fromCandidate(Infinity);
      else {
        if (candidate) found = this.differs(Buffer.alloc(0)); // shorter than the one scanned before
        this.scanner.end();
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    this.keep(found).then(() => {
      try {
        this.finish();
        done();
      } catch (err) {
        done(err as Error);
      }
    }, done);
  }

  private finish(): void {
    if (this.other) {
      const whole = Buffer.concat(this.other);
      JSON.parse(whole.toString('utf8')); // what is passed on must be JSON, as when it was parsed whole
      this.push(whole);
      return;
    }
    this.push(this.kept === 0 ? EMPTY : CLOSE);
    if (this.slot && this.recorded && this.candidate === undefined)
      this.slot.memo.set(this.slot.key, {
        raw: Buffer.concat(this.chunks, this.size),
        elements: this.recorded,
      });
  }

  /** Scans a chunk; returns the elements completed in it (less those decided from the candidate). */
  private scan(chunk: Buffer): Found[] {
    const found: Found[] = [];
    const pick = PICKERS[this.type];
    if (this.recorded) {
      this.size += chunk.length;
      if (this.size > MAX_ANSWER) this.recorded = undefined;
      else this.chunks.push(chunk);
    }
    this.scanner.push(chunk, (element: Buffer, members: MemberSpans, offset: number) => {
      const fields = pick(element, members) ?? (JSON.parse(element.toString('utf8')) as Json);
      this.recorded?.push({ start: offset, end: offset + element.length, fields });
      if (this.skip > 0) this.skip--;
      else found.push({ source: element, start: 0, end: element.length, fields });
    });
    if (this.scanner.isArray === false) {
      (this.other ??= []).push(chunk);
      this.recorded = undefined;
    }
    return found;
  }

  /** The answer is the candidate so far if `chunk` is its next bytes: then its elements ending before. */
  private compare(chunk: Buffer): Found[] {
    const raw = this.candidate!.raw;
    const end = this.received + chunk.length;
    if (end > raw.length || raw.compare(chunk, 0, chunk.length, this.received, end) !== 0)
      return this.differs(chunk);
    this.received = end;
    // An element is known whole once a byte after it matched (a bare number could go on).
    return this.fromCandidate(this.received);
  }

  private fromCandidate(before: number): Found[] {
    const { raw, elements } = this.candidate!;
    const found: Found[] = [];
    for (; this.next < elements.length && elements[this.next]!.end < before; this.next++) {
      found.push({ source: raw, ...elements[this.next]! });
    }
    return found;
  }

  /** The answer stopped matching: what matched is scanned from the start, its decided elements skipped. */
  private differs(chunk: Buffer): Found[] {
    const matched = this.candidate!.raw.subarray(0, this.received);
    this.candidate = undefined;
    this.skip = this.next;
    return [...this.scan(matched), ...this.scan(chunk)];
  }

  private async keep(found: readonly Found[]): Promise<void> {
    const out: Buffer[] = [];
    /** Kept elements in a row that the caller may not read whole: redacted together (one parse). */
    let redacting: Buffer[] = [];
    const redactRun = () => {
      if (redacting.length === 0) return;
      out.push(this.kept === 0 ? OPEN : COMMA, this.redacted(redacting));
      this.kept += redacting.length;
      redacting = [];
    };
    for (const { source, start, end, fields } of found) {
      if (this.services === undefined && needsServiceCollections(this.type, fields))
        this.services = await this.ctx.resolver.serviceCollections();
      const collection = collectionOfListed(this.type, fields, this.services);
      if (!this.allowed(this.view, collection)) continue;
      const element = start === 0 && end === source.length ? source : source.subarray(start, end);
      if (this.mayRead(collection)) {
        redactRun();
        out.push(this.kept === 0 ? OPEN : COMMA, element);
        this.kept++;
      } else redacting.push(element);
    }
    redactRun();
    if (out.length > 0) this.push(Buffer.concat(out));
  }

  /** Whether the caller may read an element whole: else env values are redacted (services and tasks). */
  private mayRead(collection: string): boolean {
    if (this.type !== 'service' && this.type !== 'task') return true;
    return this.allowed(LOGS_OF[this.type], collection);
  }

  /**
   * Elements in a row, redacted, as the caller gets them (comma-separated, without brackets): parsed
   * together, with one JSON.parse; each one redaction changed is serialized again, the others go on as
   * the engine's bytes.
   */
  private redacted(elements: readonly Buffer[]): Buffer {
    const type = this.type as RedactedType;
    const list = Buffer.concat(elements.flatMap((e, i) => (i === 0 ? [OPEN, e] : [COMMA, e])).concat(CLOSE));
    const values = JSON.parse(list.toString('utf8')) as unknown[];
    const out: Buffer[] = [];
    values.forEach((value, i) => {
      const redacted = redactResource(type, value);
      if (i > 0) out.push(COMMA);
      out.push(redacted === value ? elements[i]! : Buffer.from(JSON.stringify(redacted)));
    });
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }
}

/**
 * The caller's view of a list answer of `type`, as a stream of the engine's answer bytes to the caller's;
 * with a memo slot, an answer identical to the last one under its key is not scanned again.
 */
export function filteredListStream(
  type: StreamedType,
  ctx: ListStreamContext,
  slot?: ListMemoSlot,
): Transform {
  return new FilteredList(type, ctx, slot);
}
