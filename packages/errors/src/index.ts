export * from './classes.js';
export * from './response.js';
