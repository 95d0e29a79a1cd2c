export * from './contract.js';
export * from './compacted-error.js';
