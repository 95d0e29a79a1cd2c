/**
 * Calls that outlive their authentication: hijacked attach and exec sessions, and every forwarded call
 * while its answer streams (`logs -f`, `GET /events`, `stats`, `wait`, pulls and builds). A request is
 * authenticated once, when it arrives; these registrations let the proxy cut such a call when its caller
 * stops standing (bundle revoked or expired, session ended, account deactivated, removed or its admin flag
 * changed).
 *
 * Why a sweep, not a watch: several controllers may serve one Store, and the change that revokes a caller
 * may be committed through any of them; bundles and sessions live under `/auth/`, which no watch of ours
 * follows. Re-asking `ProxyCaller.stillValid()` reads the Store itself, so it holds whichever controller
 * made the change, with no extra watch to keep alive.
 *
 * Bounded work: one check per distinct credential per sweep, however many calls share it, and sweeps never
 * overlap (the next one is scheduled when the last check answered). Bounded delay: a caller revoked at t is
 * cut by t + `everyMs` + the time of two checks (one sweep may have read the Store just before t); with the
 * default second and a Store read of a few milliseconds, about one second. A check that fails (throws)
 * counts as not standing: a revocation must not outlive a Store that cannot be read.
 */
import type { ProxyCaller } from './caller.js';

export interface LiveCalls {
  /** Registers a call to cut (`cut` must end it for good) when `caller` stops standing; returns release. */
  add(caller: ProxyCaller, cut: () => void): () => void;
  /** How many calls are registered (tests, metrics). */
  readonly size: number;
  /** Stops sweeping and cuts every call still registered (the proxy is closing). */
  close(): void;
}

interface Credential {
  readonly stillValid: () => Promise<boolean>;
  readonly calls: Set<() => void>;
}

export interface LiveCallsOptions {
  /** Pause between the end of one sweep and the start of the next. */
  readonly everyMs?: number;
  readonly log?: { error(obj: object, msg: string): void };
}

export function createLiveCalls(options: LiveCallsOptions = {}): LiveCalls {
  const everyMs = options.everyMs ?? 1000;
  const credentials = new Map<string, Credential>();
  let timer: NodeJS.Timeout | undefined;
  let sweeping = false;
  let closed = false;

  const cutAll = (credential: Credential) => {
    for (const cut of [...credential.calls]) {
      try {
        cut();
      } catch (err) {
        options.log?.error({ err }, 'could not cut a live Docker API call');
      }
    }
  };

  const standing = (credential: Credential): Promise<boolean> =>
    credential.stillValid().then(
      (valid) => valid === true,
      (err: unknown) => {
        options.log?.error({ err }, 'could not re-check a live Docker API caller; cutting its calls');
        return false;
      },
    );

  const sweep = async () => {
    timer = undefined;
    sweeping = true;
    const checked = [...credentials.entries()];
    const results = await Promise.all(checked.map(([, credential]) => standing(credential)));
    checked.forEach(([key, credential], i) => {
      if (results[i] || closed) return;
      // Calls registered while the check ran are cut too: they are the same credential's.
      if (credentials.get(key) === credential) credentials.delete(key);
      cutAll(credential);
    });
    sweeping = false;
    schedule();
  };

  // Sweeps only while something is registered, so an idle proxy makes no Store reads.
  const schedule = () => {
    if (closed || sweeping || timer !== undefined || credentials.size === 0) return;
    timer = setTimeout(() => void sweep(), everyMs);
    timer.unref();
  };

  return {
    add(caller, cut) {
      if (closed) {
        cut();
        return () => undefined;
      }
      let credential = credentials.get(caller.credential);
      if (!credential) {
        credential = { stillValid: caller.stillValid, calls: new Set() };
        credentials.set(caller.credential, credential);
      }
      const entry = credential;
      // A distinct function per registration, so one call registered twice is released twice.
      const registered = () => cut();
      entry.calls.add(registered);
      schedule();
      return () => {
        entry.calls.delete(registered);
        if (entry.calls.size === 0 && credentials.get(caller.credential) === entry)
          credentials.delete(caller.credential);
      };
    },
    get size() {
      let n = 0;
      for (const credential of credentials.values()) n += credential.calls.size;
      return n;
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      const all = [...credentials.values()];
      credentials.clear();
      all.forEach(cutAll);
    },
  };
}
