export * from './caller.js';
export * from './labels.js';
export * from './proxy.js';
export * from './refusals.js';
export * from './workload-policy.js';
