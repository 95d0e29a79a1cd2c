/**
 * `fsckDataDir`: the consistency check over a registry's data, composed for the CLI (the check itself is
 * registry-core's `fsck`). Read-only.
 */
import { join } from 'node:path';
import { type BlobDriver, FilesystemBlobDriver } from '@stevedore/blobstore';
import { type FsckReport, Registry } from '@stevedore/registry-core';
import type { Store } from '@stevedore/store';

export async function fsckRegistry(store: Store, dataDir: string, driver?: BlobDriver): Promise<FsckReport> {
  const registry = new Registry({
    store,
    driver: driver ?? new FilesystemBlobDriver(join(dataDir, 'blobs')),
  });
  return registry.fsck();
}
