/**
 * A cache of each repository's full, sorted tag list, so listing tags costs no Store range while nothing
 * changes. Kept honest by following `registry/repo/` (the Store's `follow`, from the current revision, no
 * snapshot: the cache needs none): any change to a `_tags/` key (by this replica or another) drops that
 * repository's entry; this replica's own writes also drop it synchronously, so a client always reads its own
 * tag writes.
 *
 * Invariants:
 * - An entry is stored only if no invalidation of its repository happened while it was being loaded
 *   (a per-repository generation counter), so a load racing a write never caches the old list.
 * - While the watch is not running (not started, failed, compacted, closed) the cache is bypassed and
 *   empty: correctness never depends on it. `follow` starts it again (at once after a compaction, else
 *   with backoff); if the very first start fails (the Store is closed) the cache stays off.
 */
import { follow, type Follower, type Store, type WatchEvent } from '@stevedore/store';

const REPO_PREFIX = 'registry/repo/';
const TAGS_MARK = '/_tags/';

export class TagListCache {
  private readonly lists = new Map<string, readonly string[]>();
  private readonly generations = new Map<string, number>();
  private follower: Follower | undefined;
  private healthy = false;
  private closed = false;
  /** Bumped on every (re)start: a load begun under an earlier watch may have missed events. */
  private epoch = 0;

  constructor(
    private readonly store: Store,
    private readonly maxRepositories = 1024,
  ) {}

  /** Starts the invalidation watch; until then (and after close) every call loads from the Store. */
  start(): void {
    if (this.follower || this.closed) return;
    this.follower = follow(this.store, REPO_PREFIX, {
      snapshot: false,
      onSnapshot: () => {
        this.lists.clear();
        this.epoch++;
        this.healthy = true;
      },
      onRevision: (events) => events.forEach((event) => this.invalidateFor(event)),
      onDown: () => this.turnOff(),
    });
  }

  private invalidateFor(event: WatchEvent): void {
    const key = event.type === 'put' ? event.kv.key : event.key;
    const mark = key.indexOf(TAGS_MARK);
    if (mark > REPO_PREFIX.length) this.invalidate(key.slice(REPO_PREFIX.length, mark));
  }

  private turnOff(): void {
    this.healthy = false;
    this.lists.clear();
  }

  invalidate(name: string): void {
    this.lists.delete(name);
    this.generations.set(name, (this.generations.get(name) ?? 0) + 1);
  }

  /** The repository's whole tag list, sorted, from the cache or `load`. */
  async get(name: string, load: () => Promise<string[]>): Promise<readonly string[]> {
    if (!this.healthy) return load();
    const hit = this.lists.get(name);
    if (hit !== undefined) return hit;
    const generation = this.generations.get(name) ?? 0;
    const epoch = this.epoch;
    const tags = await load();
    if (this.healthy && this.epoch === epoch && (this.generations.get(name) ?? 0) === generation) {
      if (this.lists.size >= this.maxRepositories) {
        const oldest = this.lists.keys().next().value;
        if (oldest !== undefined) this.lists.delete(oldest);
      }
      this.lists.set(name, tags);
    }
    return tags;
  }

  close(): void {
    this.closed = true;
    this.turnOff();
    // The follower closes its watch and cancels any retry synchronously; its promise only says when the
    // loop has noticed, which nothing here waits for.
    void this.follower?.close();
  }
}

/** The page of a sorted list after `last` (exclusive), at most `n` long; `more` when items follow. */
export function slicePage(
  sorted: readonly string[],
  n: number | undefined,
  last: string | undefined,
): { items: string[]; more: boolean } {
  let from = 0;
  if (last !== undefined && last !== '') {
    // Binary search for the first item > last. Tags are ASCII, so JS string order is byte order.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! <= last) lo = mid + 1;
      else hi = mid;
    }
    from = lo;
  }
  const to = n === undefined ? sorted.length : Math.min(sorted.length, from + n);
  return { items: sorted.slice(from, to), more: to < sorted.length };
}
