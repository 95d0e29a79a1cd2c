/**
 * The reconciler, as UCP's: from the components this node's role needs and what runs now, the actions that
 * converge the node. A pure function of its inputs (no timers, no processes), so every case is a table
 * row in its test; the agent calls it at start, whenever the role may have changed, and on a timer.
 *
 * Rules:
 * - a needed component that is not running is started: at once after its first failure, and then after a
 *   backoff that doubles with each further failure in a row (1 s, 2 s, 4 s … at most 30 s), so a component
 *   that cannot start does not spin;
 * - a component that is not needed (a demoted node's manager components) and runs is stopped;
 * - a component that runs but has been unhealthy for longer than its grace is restarted.
 */
export type ComponentName = 'engine-proxy' | 'controller' | 'registry';
export type NodeRole = 'worker' | 'manager';

/** What every node runs, and what a manager runs besides. */
export function desiredComponents(role: NodeRole): readonly ComponentName[] {
  return role === 'manager' ? ['engine-proxy', 'controller', 'registry'] : ['engine-proxy'];
}

export interface ObservedComponent {
  readonly name: ComponentName;
  readonly running: boolean;
  /** Running, but failing its health check since this time (epoch ms). */
  readonly unhealthySince?: number;
  /** Failures (exits, failed health checks) in a row; reset once it has run healthily for a while. */
  readonly failures: number;
  /** When it last stopped or failed (epoch ms). */
  readonly lastExitAt?: number;
}

export type Action =
  | { readonly type: 'start'; readonly component: ComponentName; readonly reason: string }
  | { readonly type: 'stop'; readonly component: ComponentName; readonly reason: string }
  | { readonly type: 'restart'; readonly component: ComponentName; readonly reason: string }
  | {
      readonly type: 'wait';
      readonly component: ComponentName;
      readonly untilMs: number;
      readonly reason: string;
    };

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;
export const UNHEALTHY_GRACE_MS = 10_000;

export function backoffMs(failures: number): number {
  if (failures <= 1) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 2, 10));
}

export function reconcile(
  desired: readonly ComponentName[],
  observed: readonly ObservedComponent[],
  nowMs: number,
): Action[] {
  const actions: Action[] = [];
  const byName = new Map(observed.map((o) => [o.name, o]));
  for (const name of desired) {
    const seen = byName.get(name);
    if (!seen || !seen.running) {
      const failures = seen?.failures ?? 0;
      const until = (seen?.lastExitAt ?? 0) + backoffMs(failures);
      if (failures > 0 && until > nowMs) {
        actions.push({
          type: 'wait',
          component: name,
          untilMs: until,
          reason: `failed ${failures} times in a row`,
        });
      } else {
        actions.push({
          type: 'start',
          component: name,
          reason: seen ? 'it is not running' : 'this role needs it',
        });
      }
    } else if (seen.unhealthySince !== undefined && nowMs - seen.unhealthySince >= UNHEALTHY_GRACE_MS) {
      actions.push({
        type: 'restart',
        component: name,
        reason: `unhealthy for ${Math.round((nowMs - seen.unhealthySince) / 1000)} s`,
      });
    }
  }
  for (const seen of observed) {
    if (seen.running && !desired.includes(seen.name)) {
      actions.push({ type: 'stop', component: seen.name, reason: 'this role does not run it' });
    }
  }
  return actions;
}
