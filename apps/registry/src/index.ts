export {
  startRegistry,
  type StartRegistryOptions,
  type RunningRegistry,
  type RegistryTokenOptions,
} from './server.js';
export type { RegistryAuthorizer, RequestAccess } from './http/token-auth.js';
export { checkSafety, isLoopback, parseListen } from './safety.js';
export { fsckRegistry } from './fsck.js';
export type { FsckReport, FsckProblem } from '@stevedore/registry-core';
