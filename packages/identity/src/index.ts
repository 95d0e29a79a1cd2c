export { createIdentity, type Identity, type IdentityOptions } from './identity.js';
export type { IdentityHooks, Subject, SubjectKind, Page, PageOptions } from './context.js';
export { IAM_PREFIX, AUTH_PREFIX, identityKeys, parseIdentityKey, type IdentityKey } from './keys.js';
export { checkName, isValidName } from './names.js';
export {
  decode,
  encode,
  userSchema,
  orgSchema,
  teamSchema,
  membershipSchema,
  type User,
  type Org,
  type Team,
} from './records.js';
export { DEFAULT_SETTINGS, type IdentitySettings, type IdentitySettingsInput } from './settings.js';
export type { KdfSettings, SessionSettings, ThrottleSettings } from './settings.js';
export { TxnBuilder, commit, retrying, type Written } from './txn.js';
export type { LoginResult, Authenticated } from './login.js';
export type { AccessTokenInfo, NewAccessToken } from './tokens.js';
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
