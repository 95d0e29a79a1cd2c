export * from './errors.js';
export * from './digest.js';
export * from './names.js';
export * from './media-types.js';
export * from './manifest.js';
export { keys } from './keys.js';
export type {
  DescriptorRecord,
  ManifestRecord,
  TagRecord,
  Platform,
  UploadRecord,
  UploadIndexRecord,
  LayerRecord,
} from './keys.js';
export type { BlobInfo } from './blobs.js';
export { uploadRange, type ChunkBounds, type UploadStatus } from './uploads.js';
export type { PutManifestInput, PutManifestResult, ManifestHead, TagDetail } from './manifests.js';
export type { Page, PageResult } from './discovery.js';
export type { FsckProblem, FsckProblemKind, FsckReport } from './fsck.js';
export { Registry, DEFAULT_MAX_MANIFEST_BYTES, type RegistryOptions } from './registry.js';
export type { SweepResult } from './upload-janitor.js';
export { removeRepositoryContent } from './repository-removal.js';
