export * from './docker-host.js';
export * from './engine-client.js';
