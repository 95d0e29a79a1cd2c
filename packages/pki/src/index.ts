export * from './certificates.js';
export * from './ca-files.js';
export * from './seal.js';
export * from './csr.js';
export * from './cluster-key.js';
