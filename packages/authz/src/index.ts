export * from './operations.js';
export * from './roles.js';
export * from './collections.js';
export * from './model.js';
export * from './authorize.js';
