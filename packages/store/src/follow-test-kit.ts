/**
 * Test tools for `follow`: a recorder of what a follower hands over, and wrappers of a real Store that make
 * one of its watches fail or start late (to fall behind a compaction). The Store behaviour under test (ranges
 * at a revision, watches, compaction) stays the real implementation's; the wrappers only pick the moment.
 */
import type { KeyValue, Store, Watch, WatchEvent, WatchOptions } from './contract.js';
import type { FollowOptions } from './follow.js';

interface Session {
  readonly snapshot: readonly KeyValue[];
  readonly revision: number;
  readonly revisions: { readonly events: readonly WatchEvent[]; readonly revision: number }[];
}

/** Records every callback of a follower; `until` waits (with an upper bound) for a condition on them. */
export class Recorder {
  readonly sessions: Session[] = [];
  readonly downs: number[] = [];
  readonly errors: unknown[] = [];
  private wakers: (() => void)[] = [];

  readonly options: FollowOptions = {
    onSnapshot: (kvs, revision) =>
      this.note(() => this.sessions.push({ snapshot: kvs, revision, revisions: [] })),
    onRevision: (events, revision) =>
      this.note(() => this.sessions.at(-1)!.revisions.push({ events, revision })),
    onDown: (retryInMs) => this.note(() => this.downs.push(retryInMs)),
    onError: (err) => this.note(() => this.errors.push(err)),
  };

  /** Every revision handed over after a snapshot, in order, across sessions. */
  get revisions(): number[] {
    return this.sessions.flatMap((s) => s.revisions.map((r) => r.revision));
  }

  /** The keys and values the latest session adds up to. */
  state(): Map<string, string> {
    const session = this.sessions.at(-1);
    const state = new Map((session?.snapshot ?? []).map((kv) => [kv.key, kv.value]));
    for (const { events } of session?.revisions ?? []) {
      for (const e of events) {
        if (e.type === 'put') state.set(e.kv.key, e.kv.value);
        else state.delete(e.key);
      }
    }
    return state;
  }

  async until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting until ${what}; recorded ${this.describe()}`);
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wakers.push(resolve);
        timer = setTimeout(resolve, Math.min(left, 250));
      }).finally(() => clearTimeout(timer));
    }
  }

  private note(record: () => void): void {
    record();
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }

  private describe(): string {
    return JSON.stringify({
      sessions: this.sessions.map((s) => ({
        at: s.revision,
        keys: s.snapshot.length,
        revisions: s.revisions.length,
      })),
      downs: this.downs,
      errors: this.errors.map(String),
    });
  }
}

/** The store with some of its methods replaced; the others are the real ones. */
export function wrapStore(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return (overrides as Record<string | symbol, unknown>)[prop];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A real watch that the test can make fail with an error of its choice, as a broken stream would. */
export function breakable(inner: Watch): { watch: Watch; fail: (err: Error) => void } {
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const it = inner[Symbol.asyncIterator]();
  const watch: Watch = {
    close: () => inner.close(),
    [Symbol.asyncIterator]: () => ({ next: () => Promise.race([it.next(), failed]) }),
  };
  return { watch, fail };
}

/** A watch that opens the real one only once `release()` is called: until then the follower falls behind. */
export function late(
  store: Store,
  prefix: string,
  options: WatchOptions,
): { watch: Watch; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let inner: Watch | undefined;
  let closed = false;
  const watch: Watch = {
    close: () => {
      closed = true;
      inner?.close();
      release();
    },
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<WatchEvent>> => {
        await gate;
        if (closed) return { value: undefined, done: true };
        inner ??= store.watch(prefix, options);
        return inner[Symbol.asyncIterator]().next();
      },
    }),
  };
  return { watch, release: () => release() };
}
