export * from './contract.js';
export { FilesystemBlobDriver } from './fs-driver.js';
export { FileBlobStream, canWriteTo } from './fs-read-stream.js';
export { MemoryBlobDriver } from './memory-driver.js';
export { splitDigest, checkUploadId } from './names.js';
