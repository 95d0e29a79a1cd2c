/**
 * A live `AccessModel`: loaded from one read of `/iam/` at one revision (a consistent snapshot), then kept
 * current by a watch of `/iam/` from the next revision — the Store's `follow`, which also reloads after a
 * compaction or a watch failure.
 *
 * "A removal takes effect at once" for the API: every write through identity or access returns its
 * revision, and `waitForRevision(r)` resolves once the model reflects every change up to r. The controller
 * passes `(r) => sync.waitForRevision(r)` as the services' `afterWrite`, so an API call that removes a
 * grant answers only once the next decision refuses.
 *
 * Invariants:
 * - The model only ever shows the state at a whole revision: `follow` hands over a revision's events at
 *   once (see its header for how it knows a revision is whole), and they are applied in one synchronous step.
 * - `revision` never goes back. After a CompactedError (or any watch failure) the model is reloaded from
 *   a fresh snapshot and the watch restarts from its revision; waiters stay pending until they are covered.
 * - `waitForRevision` works for any revision. The watch only proves "everything up to r was delivered"
 *   when an event of revision >= r arrives, and a write outside `/iam/` (a session, a registry record)
 *   produces none; so when a wait has lasted `probeAfterMs`, the sync writes `/iam/progress` (a key no
 *   model record uses) and that write's event closes the gap — etcd's progress notification, which the
 *   Store contract lacks, done by hand. Writes through identity and access never need it.
 */
import { UnavailableError } from '@stevedore/errors';
import { authorize, type AccessModel, type AuthorizeRequest, type Decision } from '@stevedore/authz';
import { IAM_PREFIX } from '@stevedore/identity';
import { follow, type Follower, type Store } from '@stevedore/store';
import { ModelMirror } from './model-mirror.js';
import { RevisionWaiters } from './revision-waiters.js';

export interface AccessModelSyncOptions {
  /** Told about watch failures (before a reload) and invalid records (left out of the model). */
  readonly onError?: (err: unknown, context: { readonly key?: string }) => void;
  /** How long `waitForRevision` waits by default (ms); default 10 000. */
  readonly waitTimeoutMs?: number;
  /** How long a wait lasts before the sync writes the progress key (ms); default 100. */
  readonly probeAfterMs?: number;
}

/** Written only to make the watch deliver a revision (see above); no model record lives there. */
export const PROGRESS_KEY = `${IAM_PREFIX}progress`;

export class AccessModelSync {
  private readonly mirror: ModelMirror;
  private readonly waiters = new RevisionWaiters();
  private follower: Follower | undefined;
  private closed = false;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: AccessModelSyncOptions = {},
  ) {
    this.mirror = new ModelMirror((key, err) => options.onError?.(err, { key }));
  }

  /** The model as of `revision`; replaced (not mutated) on a rebuild, so read it per decision. */
  get model(): AccessModel {
    return this.mirror.model;
  }

  /** Every change up to this revision is reflected in the model. */
  get revision(): number {
    return this.waiters.revision;
  }

  /** Records left out of the model because something they name is missing (0 in a healthy Store). */
  get skipped(): number {
    return this.mirror.skipped;
  }

  authorize(request: AuthorizeRequest): Decision {
    return authorize(this.mirror.model, request);
  }

  /** Resolves once the model reflects every change up to `revision`; Unavailable after the timeout. */
  waitForRevision(revision: number, timeoutMs = this.options.waitTimeoutMs ?? 10_000): Promise<void> {
    if (this.closed && revision > this.waiters.revision) {
      return Promise.reject(new UnavailableError('the access model has been stopped'));
    }
    const waiting = this.waiters.wait(revision, timeoutMs);
    if (this.waiters.size > 0) this.scheduleProbe(this.options.probeAfterMs ?? 100);
    return waiting;
  }

  /** Loads the snapshot and starts watching; resolves when the model is ready. */
  async start(): Promise<void> {
    this.follower = follow(this.store, IAM_PREFIX, {
      onSnapshot: (kvs, revision) => {
        this.mirror.load(kvs);
        this.waiters.advance(revision);
      },
      onRevision: (events, revision) => {
        this.mirror.applyRevision(events);
        this.waiters.advance(revision);
      },
      onError: (err) => this.options.onError?.(err, {}),
    });
    await this.follower.ready;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.waiters.rejectAll(new UnavailableError('the access model has been stopped'));
    await this.follower?.close();
  }

  /** While someone waits, writes the progress key now and then, so the watch delivers a newer revision. */
  private scheduleProbe(delayMs: number): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.waiters.size === 0 || this.closed) return;
      this.store
        .put(PROGRESS_KEY, String(Date.now()))
        .catch((err: unknown) => this.options.onError?.(err, {}));
      this.scheduleProbe(Math.min(delayMs * 2, 2000));
    }, delayMs);
  }
}

export async function startAccessModelSync(
  store: Store,
  options: AccessModelSyncOptions = {},
): Promise<AccessModelSync> {
  const sync = new AccessModelSync(store, options);
  await sync.start();
  return sync;
}
