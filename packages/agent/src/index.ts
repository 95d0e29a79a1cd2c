export * from './reconcile.js';
export * from './supervisor.js';
export * from './engine-proxy.js';
export * from './agent.js';
