/**
 * The list answers the proxy scanned last, by what it asked the engine (the planned URL): the answer's
 * bytes and, per element, where it lies and the members its decision reads (list-stream.ts). An answer
 * that comes again byte for byte — the same services listed by the next `docker service ls`, by another
 * user, by the dashboard's next poll — is compared against these bytes as it streams, and not scanned
 * again. What is kept is a function of the bytes alone, never of who asked: every decision is still made
 * for each call, with the access model of that moment.
 *
 * Bounded: answers above MAX_ANSWER bytes are not kept; the least recently used go first once the kept
 * answers hold more than MAX_BYTES or number more than MAX_ENTRIES.
 */

type Json = Record<string, unknown>;

export interface ScannedElement {
  /** Offsets of the element's bytes in the answer. */
  readonly start: number;
  readonly end: number;
  /** The members its decision reads (json-fields.ts): read only, shared by every call that hits. */
  readonly fields: Json;
}

export interface ScannedList {
  readonly raw: Buffer;
  readonly elements: readonly ScannedElement[];
}

export const MAX_ANSWER = 4 * 1024 * 1024;
const MAX_BYTES = 32 * 1024 * 1024;
const MAX_ENTRIES = 64;

export class ListMemo {
  private readonly entries = new Map<string, ScannedList>();
  private bytes = 0;

  get(key: string): ScannedList | undefined {
    const list = this.entries.get(key);
    if (list) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, list);
    }
    return list;
  }

  set(key: string, list: ScannedList): void {
    if (list.raw.length > MAX_ANSWER) return;
    this.delete(key);
    this.entries.set(key, list);
    this.bytes += list.raw.length;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= MAX_BYTES && this.entries.size <= MAX_ENTRIES) break;
      this.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.raw.length;
  }
}
