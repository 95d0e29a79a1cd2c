export * from './debian-packages.js';
export * from './docker-engine-setup.js';
export * from './engine-trust.js';
