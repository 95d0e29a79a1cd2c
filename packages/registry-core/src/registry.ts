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
import { UploadJanitor } from './upload-janitor.js';
import { TagListCache } from './tag-cache.js';

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
  readonly janitor: UploadJanitor;
  private readonly tagCache: TagListCache;

  constructor(private readonly options: RegistryOptions) {
    this.blobs = new BlobService(options.store, options.driver);
    this.uploads = new UploadService(options.store, options.driver, this.blobs);
    this.tagCache = new TagListCache(options.store);
    this.manifests = new ManifestService(
      options.store,
      options.driver,
      options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
      (name) => this.tagCache.invalidate(name),
    );
    this.discovery = new DiscoveryService(options.store, this.tagCache);
    this.janitor = new UploadJanitor(options.store, options.driver, this.uploads);
  }

  /** Starts background work a long-running server wants (the tag-list cache's watch). */
  start(): void {
    this.tagCache.start();
  }

  /** Stops what start() started; the Store and driver stay open (they belong to the caller). */
  close(): void {
    this.tagCache.close();
  }

  fsck(): Promise<FsckReport> {
    return fsck(this.options.store, this.options.driver);
  }
}
