/**
 * What every identity module shares: the Store, the clock, the settings, the hooks other packages hang on
 * identity's transactions, and `afterWrite` (the controller passes "wait until the access model has
 * caught up with this revision", so an API answer is only sent once decisions reflect the write).
 */
import type { Store } from '@stevedore/store';
import type { User } from './records.js';
import type { IdentitySettings } from './settings.js';
import type { TxnBuilder, Written } from './txn.js';

export type SubjectKind = 'user' | 'team' | 'org';

/** A user, a team (`org/team`) or an org, as grants name them. */
export interface Subject {
  readonly kind: SubjectKind;
  readonly id: string;
}

/**
 * The seam through which another package (access) joins identity's transactions, so that, e.g., a user,
 * their private collection and its grant are created in one commit, and a removed team's grants go with it.
 * Hooks may read the Store; they run again on every retry of the transaction.
 */
export interface IdentityHooks {
  userCreated?(user: User, txn: TxnBuilder): void | Promise<void>;
  /** Users, teams or orgs removed by this transaction (an org's removal lists its teams too). */
  subjectsRemoved?(subjects: readonly Subject[], txn: TxnBuilder): void | Promise<void>;
}

export interface IdentityContext {
  readonly store: Store;
  readonly now: () => number;
  /** Replaced (not mutated) when an administrator changes cluster settings; read it at each use. */
  settings: IdentitySettings;
  readonly hooks: IdentityHooks;
  readonly afterWrite: (revision: number) => Promise<void>;
}

export function isoAt(ctx: IdentityContext): string {
  return new Date(ctx.now()).toISOString();
}

/** Waits for `afterWrite`, then hands the written value back. */
export async function written<T>(ctx: IdentityContext, value: T, revision: number): Promise<Written<T>> {
  await ctx.afterWrite(revision);
  return { value, revision };
}

/** Waits for `afterWrite` after a write that returns no value. */
export async function settled(ctx: IdentityContext, revision: number): Promise<{ revision: number }> {
  await ctx.afterWrite(revision);
  return { revision };
}

export interface Page<T> {
  readonly items: readonly T[];
  /** More follow: ask again with `after` = the last item's name. */
  readonly more: boolean;
}

export interface PageOptions {
  readonly after?: string;
  readonly limit?: number;
}

/** Hooks of several packages, run one after the other in the same transaction. */
export function combineHooks(...all: readonly IdentityHooks[]): IdentityHooks {
  return {
    userCreated: async (user, txn) => {
      for (const h of all) await h.userCreated?.(user, txn);
    },
    subjectsRemoved: async (subjects, txn) => {
      for (const h of all) await h.subjectsRemoved?.(subjects, txn);
    },
  };
}
