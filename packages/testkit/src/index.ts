export * from './install.js';
export * from './free-port.js';
export * from './etcd.js';
