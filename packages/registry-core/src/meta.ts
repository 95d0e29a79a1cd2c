/**
 * Small typed helpers over the Store for the registry's JSON records (layout in keys.ts).
 */
import type { Op, Store } from '@stevedore/store';
import { keys, type RepositoryRecord } from './keys.js';

export interface Versioned<T> {
  readonly value: T;
  /** For compare-and-swap: the key's modRevision when it was read. */
  readonly modRevision: number;
}

export async function getJson<T>(store: Store, key: string): Promise<Versioned<T> | undefined> {
  const kv = await store.get(key);
  return kv === undefined ? undefined : { value: JSON.parse(kv.value) as T, modRevision: kv.modRevision };
}

export function putJson(key: string, value: unknown): Op {
  return { type: 'put', key, value: JSON.stringify(value) };
}

/** The op that records a repository in the catalog, or none when it is already there. */
export async function ensureRepositoryOps(store: Store, name: string): Promise<Op[]> {
  if ((await store.get(keys.repository(name))) !== undefined) return [];
  const record: RepositoryRecord = { createdAt: new Date().toISOString() };
  return [putJson(keys.repository(name), record)];
}

export async function repositoryExists(store: Store, name: string): Promise<boolean> {
  return (await store.get(keys.repository(name))) !== undefined;
}

/** Serializes async work per key inside one process (e.g. PATCHes of one upload session). */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
