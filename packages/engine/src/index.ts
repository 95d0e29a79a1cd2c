export * from './docker-host.js';
export * from './engine-client.js';
export * from './operations/rules.js';
export * from './operations/operation-map.js';
export * from './operations/match.js';
