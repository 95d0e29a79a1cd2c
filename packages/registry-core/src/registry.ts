/**
 * The registry's domain, composed: one object per concern over one Store and one blob driver. The HTTP
 * layer (apps/registry) only translates requests into calls on these.
 */
import type { BlobDriver } from '@stevedore/blobstore';
import type { Store } from '@stevedore/store';
import { BlobService } from './blobs.js';
import { UploadService } from './uploads.js';
import { ManifestService } from './manifests.js';
import { DiscoveryService } from './discovery.js';
import { type FsckReport, fsck } from './fsck.js';

export interface RegistryOptions {
  readonly store: Store;
  readonly driver: BlobDriver;
  /** Largest manifest accepted (config `registry.maxManifestBytes`). */
  readonly maxManifestBytes?: number;
}

export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export class Registry {
  readonly blobs: BlobService;
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly discovery: DiscoveryService;

  constructor(private readonly options: RegistryOptions) {
    this.blobs = new BlobService(options.store, options.driver);
    this.uploads = new UploadService(options.store, options.driver, this.blobs);
    this.manifests = new ManifestService(
      options.store,
      options.driver,
      options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
    );
    this.discovery = new DiscoveryService(options.store);
  }

  fsck(): Promise<FsckReport> {
    return fsck(this.options.store, this.options.driver);
  }
}
