export * from './certificates.js';
export * from './ca-files.js';
