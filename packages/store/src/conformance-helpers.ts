/**
 * Small helpers for the conformance suite: a per-test key prefix, reading a bounded number of watch events
 * with a deadline (so a missing event fails the test with what did arrive, instead of hanging), sleeping.
 */
import { randomUUID } from 'node:crypto';
import type { Store, Watch, WatchEvent } from './contract.js';

export interface StoreHarness {
  /** Runs once before the cases (etcd: start a private server). */
  setup?(): Promise<void>;
  /**
   * A store for one case. It may share state with other cases' stores (etcd: one server), so each case works
   * under its own prefix and reasons about revisions relative to the ones it observes.
   */
  open(): Promise<Store>;
  /** A store over empty state, at revision 1 (may be slow: etcd starts a new server). */
  openEmpty(): Promise<Store>;
  /** Runs once after the cases; must stop everything the harness started. */
  teardown?(): Promise<void>;
}

export function uniquePrefix(what: string): string {
  return `/conformance/${what}/${randomUUID().slice(0, 8)}/`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A compact, comparable form of an event. */
export function describeEvent(e: WatchEvent): string {
  return e.type === 'put'
    ? `${e.revision} put ${e.kv.key}=${e.kv.value} c${e.kv.createRevision} m${e.kv.modRevision} v${e.kv.version}`
    : `${e.revision} delete ${e.key}`;
}

/**
 * Reads exactly `count` events from `watch` (without closing it), failing after `timeoutMs` with the events
 * seen so far. Rejects with the watch's own error (e.g. CompactedError) if it fails.
 */
export async function take(watch: Watch, count: number, timeoutMs = 5000): Promise<WatchEvent[]> {
  const it = watch[Symbol.asyncIterator]();
  const got: WatchEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    const next = await Promise.race([it.next(), timeout]).finally(() => clearTimeout(timer));
    if (next === 'timeout') {
      throw new Error(
        `expected ${count} watch events within ${timeoutMs} ms, got ${got.length}:\n` +
          got.map(describeEvent).join('\n'),
      );
    }
    if (next.done) throw new Error(`watch ended after ${got.length} of ${count} events`);
    got.push(next.value);
  }
  return got;
}

/** Asserts that no event arrives within `ms` (pending `next()` is left to the watch's close). */
export async function expectQuiet(watch: Watch, ms: number): Promise<WatchEvent | undefined> {
  const it = watch[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  const next = await Promise.race([it.next(), quiet]).finally(() => clearTimeout(timer));
  return next && !next.done ? next.value : undefined;
}
