export * from './join-token.js';
export * from './join-tokens.js';
export * from './nodes.js';
export * from './membership.js';
export * from './manager-client.js';
export * from './node-join.js';
export * from './root-cas.js';
