/** What the access modules share: the Store, the clock and `afterWrite` (see identity's `context.ts`). */
import type { Store } from '@stevedore/store';

export interface AccessContext {
  readonly store: Store;
  readonly now: () => number;
  readonly afterWrite: (revision: number) => Promise<void>;
}

export function isoAt(ctx: AccessContext): string {
  return new Date(ctx.now()).toISOString();
}

export async function settled(ctx: AccessContext, revision: number): Promise<{ revision: number }> {
  await ctx.afterWrite(revision);
  return { revision };
}
