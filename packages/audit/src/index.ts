export * from './audit-log.js';
export * from './audit-batcher.js';
