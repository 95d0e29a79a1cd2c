/**
 * The JSON records identity keeps in the Store, as zod schemas: every value is validated when read, so a
 * corrupted or foreign value fails loudly (InternalError naming the key) instead of flowing on half-typed.
 * Unknown fields are dropped on read, so a newer controller may add fields without breaking an older one.
 */
import { z } from 'zod';
import { InternalError } from '@stevedore/errors';
import type { KeyValue } from '@stevedore/store';

export const userSchema = z.object({
  name: z.string(),
  fullName: z.string(),
  admin: z.boolean(),
  active: z.boolean(),
  /** ISO 8601 */
  createdAt: z.string(),
  defaultCollection: z.string(),
  source: z.enum(['local', 'ldap']),
});
export type User = z.infer<typeof userSchema>;

export const passwordSchema = z.object({ hash: z.string() });

export const orgSchema = z.object({ name: z.string(), fullName: z.string(), createdAt: z.string() });
export type Org = z.infer<typeof orgSchema>;

export const teamSchema = z.object({
  org: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: z.string(),
});
export type Team = z.infer<typeof teamSchema>;

/**
 * Org and team memberships; who and where are in the key. `admin` (org memberships only) makes the member
 * an org admin; records written before it existed lack it, which reads as false.
 */
export const membershipSchema = z.object({ addedAt: z.string(), admin: z.boolean().optional() });

export const sessionSchema = z.object({
  user: z.string(),
  /** epoch ms */
  createdAt: z.number(),
  expiresAt: z.number(),
  remoteAddress: z.string().nullable(),
});
export type SessionRecord = z.infer<typeof sessionSchema>;

export const sessionIndexSchema = z.object({
  sessions: z.array(z.object({ hash: z.string(), createdAt: z.number() })),
});
export type SessionIndex = z.infer<typeof sessionIndexSchema>;

/** Where a token may be used: `all` (the REST API and the registry) or `registry` (only the token service). */
export const tokenScopeSchema = z.enum(['all', 'registry']);
export type TokenScope = z.infer<typeof tokenScopeSchema>;

/**
 * An access token, at `/auth/tokens/<hash>`. A user's token names the user; a service account's names its
 * login name (`<org>+<name>`, never a user name) in `user` and the account in `serviceAccount`. Fields
 * added later (`expiresAt`, `scope`, `lastUsedAt`) are optional so older records read as before: no
 * expiry, scope `all`, never used.
 */
export const accessTokenSchema = z.object({
  id: z.string(),
  user: z.string(),
  label: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  scope: tokenScopeSchema.optional(),
  lastUsedAt: z.string().optional(),
  serviceAccount: z.object({ org: z.string(), name: z.string() }).optional(),
  /** A refresh token `docker login` got for a password: revoked when the password changes. */
  refresh: z.boolean().optional(),
});
export type AccessTokenRecord = z.infer<typeof accessTokenSchema>;

/** The per-owner index entry of a token (user or service account), for listing and revoking by id. */
export const userTokenSchema = z.object({
  refresh: z.boolean().optional(),
  hash: z.string(),
  label: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  scope: tokenScopeSchema.optional(),
});

export const repositoryAccessSchema = z.enum(['read-only', 'read-write', 'admin']);
export type RepositoryAccess = z.infer<typeof repositoryAccessSchema>;

/** A service account (robot account for CI) of an org, at `/iam/service-accounts/<org>/<name>`. */
export const serviceAccountSchema = z.object({
  org: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: z.string(),
  /** `name` is a repository path within the org (`app/web` for `acme/app/web`) or `*` for all of them. */
  repositories: z.array(z.object({ name: z.string(), access: repositoryAccessSchema })),
});
export type ServiceAccount = z.infer<typeof serviceAccountSchema>;

/** A client bundle's certificate, by `keyId` (hex SHA-256 of its SPKI); times are ISO 8601. */
export const bundleSchema = z.object({
  id: z.string(),
  user: z.string(),
  label: z.string(),
  keyId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type BundleRecord = z.infer<typeof bundleSchema>;

export const userBundleSchema = z.object({
  keyId: z.string(),
  label: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});

/** Parses a stored value, or throws InternalError naming the key (the value itself is never echoed). */
export function decode<T>(schema: z.ZodType<T>, kv: KeyValue): T {
  let json: unknown;
  try {
    json = JSON.parse(kv.value);
  } catch (err) {
    throw new InternalError(`the Store value at ${kv.key} is not JSON; restore it from a backup`, {
      cause: err,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InternalError(`the Store value at ${kv.key} is not a valid record; restore it from a backup`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export function encode(value: unknown): string {
  return JSON.stringify(value);
}
