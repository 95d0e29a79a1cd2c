export * from './install.js';
export * from './free-port.js';
