export * from './shared-store.js';
export * from './child-process.js';
export * from './wait.js';
export * from './renewal-fault.js';
