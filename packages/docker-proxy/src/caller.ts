/**
 * Who is calling and what they may do: the proxy's seam to the control plane. The controller builds a
 * ProxyCaller from the client certificate (its bundle) or from the session of a dashboard request, and
 * passes the live access model's authorizer; the proxy itself keeps no account state.
 */
import type { Decision, Operation } from '@stevedore/authz';

export interface ProxyCaller {
  readonly name: string;
  readonly admin: boolean;
  /** Where the caller's creates go unless they name a collection; images are authorized here. */
  readonly defaultCollection: string;
  readonly remoteAddress: string;
  /**
   * Names the credential the call came with (a bundle's key id, a session's hash), never the secret itself:
   * live calls (hijacks and streams) made with one credential are re-checked together, once per sweep.
   */
  readonly credential: string;
  /**
   * Whether the credential and its account still stand as they did when this caller was built (bundle not
   * revoked or expired, session not ended, account active and with the same admin flag). A live call whose
   * caller no longer stands is cut (live-calls.ts); a check that throws counts as not standing.
   */
  readonly stillValid: () => Promise<boolean>;
}

export interface ProxyAccess {
  authorize(request: { user: string; operation: Operation; collection: string }): Decision;
  collectionExists(path: string): boolean;
  /**
   * The revision of the access model `authorize` decides on (every decision is a function of it), so
   * decisions may be kept until it moves (decisions.ts); absent, they are kept for one call only.
   */
  revision?(): number;
}

/** Decides one operation for one caller on one collection. */
export function decide(access: ProxyAccess, caller: ProxyCaller, operation: Operation, collection: string) {
  return access.authorize({ user: caller.name, operation, collection });
}
