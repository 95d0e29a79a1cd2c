/**
 * The records repositories keeps in the Store (zod schemas, validated on read with identity's `decode`).
 * Unknown fields are dropped on read, so a newer controller may add fields without breaking an older one.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '@stevedore/errors';
import { repositoryAccessSchema } from '@stevedore/identity';

export { repositoryAccessSchema };
export type RepositoryAccess = z.infer<typeof repositoryAccessSchema>;
export type Action = 'pull' | 'push' | 'delete';

export const visibilitySchema = z.enum(['public', 'private']);
export type Visibility = z.infer<typeof visibilitySchema>;

export const teamAccessSchema = z.record(z.string(), repositoryAccessSchema);

export const repositorySchema = z.object({
  namespace: z.string(),
  /** The path after the namespace; may hold "/". */
  name: z.string(),
  visibility: visibilitySchema,
  description: z.string(),
  /** ISO 8601 */
  createdAt: z.string(),
  /** Who created it: a user, or a service account as `<org>+<name>`. */
  createdBy: z.string(),
  /** Team access on this repository (org namespaces only); team names of the namespace's org. */
  teams: teamAccessSchema,
});
export type Repository = z.infer<typeof repositorySchema>;

export const namespaceSettingsSchema = z.object({
  /** Whether members with read-write on the whole org may create repositories by pushing. */
  createOnPush: z.boolean(),
  /** Team access on every repository of the org namespace. */
  teams: teamAccessSchema,
});
export type NamespaceSettings = z.infer<typeof namespaceSettingsSchema>;
export const DEFAULT_NAMESPACE_SETTINGS: NamespaceSettings = { createOnPush: false, teams: {} };

export const registrySettingsSchema = z.object({ anonymousPull: z.boolean() });
export type RegistrySettings = z.infer<typeof registrySettingsSchema>;
export const DEFAULT_REGISTRY_SETTINGS: RegistrySettings = { anonymousPull: false };

/** `value` as `schema` reads it, or an InvalidArgumentError naming `field` with `message`. */
export function checkedField<T>(schema: z.ZodType<T>, value: unknown, field: string, message: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(message, { detail: { field } });
  return parsed.data;
}
