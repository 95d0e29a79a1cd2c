/**
 * The decisions list filtering makes per item's collection (may this caller view it, read its logs), kept
 * per access model revision: a list spanning 1,000 collections is decided once per user and revision, not
 * once per call. The live AccessModel shows the state of one whole revision at any time (model-sync.ts
 * applies a revision in one step), and a decision is a pure function of that state, so what was decided
 * for (revision, user, operation, collection) is the decision. A call reads the revision when it starts:
 * a call that starts after a change — after a write through the REST API has answered — never sees a
 * decision from before it. An access that says no revision gets decisions kept for one call only.
 *
 * Only the yes or no is kept; refusals that explain themselves ask the authorizer (plan-context.ts).
 */
import type { Operation } from '@stevedore/authz';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';

export type Decider = (operation: Operation, collection: string) => boolean;

type Kept = Map<Operation, Map<string, boolean>>;

/** Past this many kept decisions, all are dropped (one revision's worth for a few hundred busy users). */
const MAX_KEPT = 200_000;

export class DecisionCache {
  private revision: number | undefined;
  private readonly byUser = new Map<string, Kept>();
  private kept = 0;

  constructor(private readonly access: ProxyAccess) {}

  /** The decider for one call of `caller`. */
  forCall(caller: ProxyCaller): Decider {
    const revision = this.access.revision?.();
    if (revision === undefined) return decideOnce(this.access, caller);
    if (revision !== this.revision || this.kept > MAX_KEPT) {
      this.revision = revision;
      this.byUser.clear();
      this.kept = 0;
    }
    let kept = this.byUser.get(caller.name);
    if (!kept) this.byUser.set(caller.name, (kept = new Map<Operation, Map<string, boolean>>()));
    return keeping(this.access, caller, kept, () => this.kept++);
  }
}

/** A decider that keeps its decisions for one call (of the stream that made it). */
export function decideOnce(access: ProxyAccess, caller: ProxyCaller): Decider {
  return keeping(access, caller, new Map<Operation, Map<string, boolean>>(), () => undefined);
}

function keeping(access: ProxyAccess, caller: ProxyCaller, kept: Kept, counted: () => void): Decider {
  return (operation, collection) => {
    let byCollection = kept.get(operation);
    if (!byCollection) kept.set(operation, (byCollection = new Map<string, boolean>()));
    let allowed = byCollection.get(collection);
    if (allowed === undefined) {
      allowed = decide(access, caller, operation, collection).allowed;
      byCollection.set(collection, allowed);
      counted();
    }
    return allowed;
  };
}
