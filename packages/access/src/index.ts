export { createAccess, type Access, type AccessOptions } from './access.js';
export { isDefaultCollection, type Collection } from './collections.js';
export { roleIdOf, type RoleInfo, type CreateRoleInput } from './roles.js';
export { subjectKeyOf, type Grant, type GrantInput, type GrantFilter } from './grants.js';
export { accessKeys, grantIdOf, parseAccessKey, type AccessKey } from './keys.js';
export {
  AccessModelSync,
  PROGRESS_KEY,
  startAccessModelSync,
  type AccessModelSyncOptions,
} from './model-sync.js';
