/**
 * Removes what the registry holds for one repository: its tags, manifests, layer links, referrers and
 * upload sessions (every key under `repo/<name>/_…`) and its catalog entry. Blobs stay in storage for
 * garbage collection; a repository nested under this one (`<name>/web`) is untouched, since its keys
 * continue `repo/<name>/<component>` and a component never starts with `_`.
 *
 * Deletes go in transactions of at most 128 keys, tags first (a pull then fails before its manifest
 * goes), so a removal that dies half-way leaves a repository with fewer tags, never a tag naming nothing;
 * running it again finishes the job.
 */
import type { Store } from '@stevedore/store';
import { checkName } from './names.js';
import { keys } from './keys.js';

const BATCH = 128;

export async function removeRepositoryContent(store: Store, name: string): Promise<{ keys: number }> {
  checkName(name);
  let removed = 0;
  const prefixes = [keys.tagsPrefix(name), `${keys.repoPrefix(name)}_`];
  for (const prefix of prefixes) {
    for (;;) {
      const { kvs } = await store.range(prefix, { limit: BATCH });
      if (kvs.length === 0) break;
      await store.txn({ compares: [], success: kvs.map((kv) => ({ type: 'delete', key: kv.key })) });
      removed += kvs.length;
    }
  }
  await store.delete(keys.repository(name));
  return { keys: removed };
}
