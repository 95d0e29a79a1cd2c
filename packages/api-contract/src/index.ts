export * as schemas from './schemas.js';
export * from './routes.js';
export * from './openapi.js';
