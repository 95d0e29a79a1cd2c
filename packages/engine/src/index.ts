export * from './engine-address.js';
export * from './engine-env.js';
export * from './engine-errors.js';
export * from './engine-client.js';
export * from './engine-types.js';
export * from './engine-stream.js';
export type { EngineQuery } from './engine-request.js';
export type { UpgradeAnswer, UpgradeOptions } from './engine-upgrade.js';
