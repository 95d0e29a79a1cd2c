import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemBlobDriver } from './fs-driver.js';
import { blobDriverConformance } from './conformance.js';

blobDriverConformance('filesystem', {
  async create() {
    const root = await mkdtemp(join(tmpdir(), 'stevedore-blobstore-'));
    return {
      driver: new FilesystemBlobDriver(root),
      reopen: () => new FilesystemBlobDriver(root),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
});
