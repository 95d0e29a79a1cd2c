export { startRegistry, type StartRegistryOptions, type RunningRegistry } from './server.js';
export { checkSafety, isLoopback, parseListen } from './safety.js';
export { fsckRegistry } from './fsck.js';
export type { FsckReport, FsckProblem } from '@stevedore/registry-core';
