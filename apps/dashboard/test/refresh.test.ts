import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { refreshAfterWrite } from '../src/api/refresh.js';

/** A list whose answers the test releases one by one, each holding what the "server" had when asked. */
function slowList() {
  let stored: string[] = [];
  const pending: (() => void)[] = [];
  const fetchList = () => {
    const snapshot = [...stored];
    return new Promise<string[]>((resolve) => pending.push(() => resolve(snapshot)));
  };
  return {
    fetchList,
    write: (item: string) => (stored = [...stored, item]),
    releaseAll: () => pending.splice(0).forEach((release) => release()),
  };
}

describe('refreshAfterWrite', () => {
  it('shows the write even when the first load of the list was answered before it', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const list = slowList();
    const observer = new QueryObserver(client, {
      queryKey: ['listTeamMembers', {}],
      queryFn: list.fetchList,
    });
    const seen: (string[] | undefined)[] = [];
    const unsubscribe = observer.subscribe((result) => seen.push(result.data));
    // The page asked for the members (the answer, still empty, is on its way), then a member was added.
    list.write('alice');
    const refreshed = refreshAfterWrite(client, ['listTeamMembers']);
    list.releaseAll();
    await new Promise((r) => setImmediate(r));
    list.releaseAll();
    await refreshed;
    assert.deepEqual(client.getQueryData(['listTeamMembers', {}]), ['alice']);
    assert.deepEqual(seen.at(-1), ['alice']);
    unsubscribe();
    client.clear();
  });

  it('is what a plain invalidation misses (the reason it exists)', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const list = slowList();
    const observer = new QueryObserver(client, {
      queryKey: ['listTeamMembers', {}],
      queryFn: list.fetchList,
    });
    const unsubscribe = observer.subscribe(() => undefined);
    list.write('alice');
    const invalidated = client.invalidateQueries({ queryKey: ['listTeamMembers'] });
    list.releaseAll();
    await invalidated;
    assert.deepEqual(client.getQueryData(['listTeamMembers', {}]), []);
    unsubscribe();
    client.clear();
  });
});
