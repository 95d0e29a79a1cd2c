export { createIdentity, type Identity, type IdentityOptions } from './identity.js';
export {
  combineHooks,
  type IdentityHooks,
  type Subject,
  type SubjectKind,
  type Page,
  type PageOptions,
} from './context.js';
export { IAM_PREFIX, AUTH_PREFIX, identityKeys, parseIdentityKey, type IdentityKey } from './keys.js';
export { checkName, isValidName } from './names.js';
export {
  decode,
  encode,
  userSchema,
  orgSchema,
  teamSchema,
  membershipSchema,
  serviceAccountSchema,
  accessTokenSchema,
  repositoryAccessSchema,
  tokenScopeSchema,
  type AccessTokenRecord,
  type RepositoryAccess,
  type ServiceAccount,
  type TokenScope,
  type User,
  type Org,
  type Team,
} from './records.js';
export { DEFAULT_SETTINGS, type IdentitySettings, type IdentitySettingsInput } from './settings.js';
export type { KdfSettings, SessionSettings, ThrottleSettings } from './settings.js';
export { TxnBuilder, commit, retrying, type Written } from './txn.js';
export type { LoginResult, Authenticated, VerifiedCredentials } from './login.js';
export type { AccessTokenInfo, CreateTokenInput, NewAccessToken } from './tokens.js';
export type { OrgMember } from './members.js';
export {
  ServiceAccounts,
  serviceAccountLogin,
  parseServiceAccountLogin,
  type CreateServiceAccountInput,
  type ServiceAccountRepository,
  type UpdateServiceAccountInput,
} from './service-accounts.js';
export type { BundleInfo, ClientBundles, RegisterBundleInput } from './bundles.js';
export type { BundleRecord } from './records.js';
export type { CreateUserInput, UpdateUserInput } from './users.js';
export { hashPassword, verifyPassword } from './passwords.js';
export {
  ClusterSettings,
  CLUSTER_SETTINGS_KEY,
  clusterSettingsSchema,
  type ClusterSettingsValues,
} from './cluster-settings.js';
