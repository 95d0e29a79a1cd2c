/**
 * The JSON records access keeps in the Store, as zod schemas, validated on every read (see identity's
 * `records.ts` for `decode`).
 */
import { z } from 'zod';

export const collectionSchema = z.object({ path: z.string(), createdAt: z.string() });
export type CollectionRecord = z.infer<typeof collectionSchema>;

export const roleSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  operations: z.array(z.string()),
  createdAt: z.string(),
});
export type RoleRecord = z.infer<typeof roleSchema>;

export const grantSchema = z.object({
  id: z.string(),
  subject: z.object({ kind: z.enum(['user', 'team', 'org']), id: z.string() }),
  roleId: z.string(),
  collection: z.string(),
  createdAt: z.string(),
});
export type GrantRecord = z.infer<typeof grantSchema>;
