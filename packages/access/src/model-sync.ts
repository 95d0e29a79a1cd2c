/**
 * A live `AccessModel`: loaded from one range of `/iam/` (one revision, so a consistent snapshot), then
 * kept current by a watch of `/iam/` from the next revision.
 *
 * "A removal takes effect at once" for the API: every write through identity or access returns its
 * revision, and `waitForRevision(r)` resolves once the model reflects every change up to r. The controller
 * passes `(r) => sync.waitForRevision(r)` as the services' `afterWrite`, so an API call that removes a
 * grant answers only once the next decision refuses.
 *
 * Invariants:
 * - The model only ever shows the state at a whole revision: the events of one revision are applied in one
 *   synchronous step. A revision is known to be whole when an event of a later one arrives, or when the
 *   watch has gone idle (a `setImmediate` after the last event: every Store implementation pushes a
 *   revision's events in one synchronous burst — the local stores on commit, etcd per watch response,
 *   which never splits a revision — and the buffered events are consumed in microtasks, which all run
 *   before `setImmediate`).
 * - `revision` never goes back. After a CompactedError (or any watch failure) the model is reloaded from
 *   a fresh range and the watch restarts from its revision; waiters stay pending until they are covered.
 * - `waitForRevision` works for any revision. The watch only proves "everything up to r was delivered"
 *   when an event of revision >= r arrives, and a write outside `/iam/` (a session, a registry record)
 *   produces none; so when a wait has lasted `probeAfterMs`, the sync writes `/iam/progress` (a key no
 *   model record uses) and that write's event closes the gap — etcd's progress notification, which the
 *   Store contract lacks, done by hand. Writes through identity and access never need it.
 */
import { UnavailableError } from '@stevedore/errors';
import { authorize, type AccessModel, type AuthorizeRequest, type Decision } from '@stevedore/authz';
import { IAM_PREFIX } from '@stevedore/identity';
import { isCompacted, type Store, type Watch, type WatchEvent } from '@stevedore/store';
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

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

export class AccessModelSync {
  private readonly mirror: ModelMirror;
  private readonly waiters = new RevisionWaiters();
  private pending: WatchEvent[] = [];
  private flushScheduled = false;
  private watch: Watch | undefined;
  private loop: Promise<void> | undefined;
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
    await this.reload();
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.watch?.close();
    this.waiters.rejectAll(new UnavailableError('the access model has been stopped'));
    await this.loop;
  }

  private async reload(): Promise<void> {
    const { kvs, revision } = await this.store.range(IAM_PREFIX);
    this.pending = [];
    this.mirror.load(kvs);
    this.waiters.advance(revision);
    this.watch = this.store.watch(IAM_PREFIX, { fromRevision: revision + 1 });
  }

  private async run(): Promise<void> {
    let retryMs = RETRY_MIN_MS;
    while (!this.closed) {
      try {
        for await (const event of this.watch!) {
          if (this.pending.length > 0 && event.revision !== this.pending[0]!.revision) this.flush();
          this.pending.push(event);
          this.scheduleFlush();
          retryMs = RETRY_MIN_MS;
        }
        if (this.closed) return;
        throw new UnavailableError('the Store watch of /iam/ ended');
      } catch (err) {
        if (this.closed) return;
        this.options.onError?.(err, {});
        if (!isCompacted(err)) await new Promise((r) => setTimeout(r, retryMs));
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        await this.reload().catch((e: unknown) => this.options.onError?.(e, {}));
      }
    }
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

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const events = this.pending;
    const last = events.at(-1);
    if (!last || this.closed) return;
    this.pending = [];
    this.mirror.applyRevision(events);
    this.waiters.advance(last.revision);
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
