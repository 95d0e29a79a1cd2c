/** The operation map: every Engine API endpoint with the rule the proxy applies to it (see rules.ts). */
export * from './rules.js';
export * from './operation-map.js';
export * from './match.js';
