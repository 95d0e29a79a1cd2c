/**
 * The upload janitor: the spec says a registry SHOULD eventually time out unfinished uploads. A sweep
 * cancels sessions older than `maxAgeMs` (found through the `registry/uploads/` index, not by scanning
 * repositories), and removes data files that have no session: those a crash left behind (a monolithic
 * upload or manifest write in flight). Such a file is removed only when the previous sweep saw it too, at
 * the same size, so a write in progress is never taken for an orphan.
 */
import type { BlobDriver } from '@stevedore/blobstore';
import type { Store } from '@stevedore/store';
import { type UploadIndexRecord, keys, suffixOf } from './keys.js';
import type { UploadService } from './uploads.js';

export interface SweepResult {
  readonly expired: number;
  readonly orphans: number;
}

export class UploadJanitor {
  constructor(
    private readonly store: Store,
    private readonly driver: BlobDriver,
    private readonly uploads: UploadService,
  ) {}

  async sweep(maxAgeMs: number, now = Date.now()): Promise<SweepResult> {
    const sessions = new Set<string>();
    let expired = 0;
    const { kvs } = await this.store.range(keys.uploadIndexPrefix);
    for (const kv of kvs) {
      const id = suffixOf(kv.key, keys.uploadIndexPrefix);
      const record = JSON.parse(kv.value) as UploadIndexRecord;
      if (now - Date.parse(record.startedAt) <= maxAgeMs) {
        sessions.add(id);
        continue;
      }
      await this.uploads.cancel(record.name, id).catch(() => undefined);
      await this.store.delete(kv.key);
      expired++;
    }
    let orphans = 0;
    const previous = await this.store.get(keys.orphanCandidates);
    const candidates = new Map<string, number>(
      previous ? Object.entries(JSON.parse(previous.value) as Record<string, number>) : [],
    );
    const next = new Map<string, number>();
    for await (const id of this.driver.listUploads()) {
      if (sessions.has(id)) continue;
      const size = await this.driver.uploadSize(id);
      if (size === undefined) continue;
      if (candidates.get(id) === size) {
        await this.driver.deleteUpload(id);
        orphans++;
      } else {
        next.set(id, size);
      }
    }
    const text = JSON.stringify(Object.fromEntries(next));
    if (text !== (previous?.value ?? '{}')) await this.store.put(keys.orphanCandidates, text);
    return { expired, orphans };
  }
}
