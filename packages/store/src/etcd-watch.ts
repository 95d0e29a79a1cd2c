/**
 * One Store watch over one etcd Watch gRPC stream, resumed after a disconnect.
 *
 * We drive the raw stream (`watchClient.watch()`) rather than etcd3's `Watcher`, because the Watcher drops
 * the `compact_revision` etcd sends when a watch asks for compacted history (it surfaces only a generic
 * "Watcher canceled" error), and we need that number for `CompactedError`.
 *
 * Invariants:
 * - `next` is the first revision not yet delivered. It is fixed by `fromRevision`, or, without one, by the
 *   header revision of etcd's "created" answer + 1. A response never splits a revision (etcd batches whole
 *   revisions), so after each response `next` = last event's revision + 1.
 * - After a stream error we re-create the watch from `next`: no gap, and events below `next` are dropped,
 *   so no duplicate. If `next` was compacted meanwhile, etcd cancels with compact_revision: CompactedError.
 */
import type { Etcd3, IWatchRequest, IWatchResponse, IDuplexStream } from 'etcd3';
import { UnavailableError } from '@stevedore/errors';
import type { WatchEvent } from './contract.js';
import { CompactedError } from './compacted-error.js';
import { prefixEnd } from './key-order.js';
import { kvFromEtcd } from './etcd-codec.js';
import { WatchQueue } from './watch-queue.js';

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 3000;

export class EtcdWatch {
  readonly queue: WatchQueue;
  private next: number | undefined;
  private stream: WatchStream | undefined;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    fromRevision: number | undefined,
    onClose: (watch: EtcdWatch) => void,
  ) {
    this.next = fromRevision;
    this.queue = new WatchQueue(() => {
      this.teardown();
      onClose(this);
    });
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.queue.isClosed) return;
    let stream: WatchStream;
    try {
      stream = await this.client.watchClient.watch();
    } catch {
      this.scheduleRetry();
      return;
    }
    if (this.queue.isClosed) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (res) => this.onResponse(res));
    stream.on('error', () => this.onBroken(stream));
    stream.on('end', () => this.onBroken(stream));
    const key = Buffer.from(this.prefix);
    stream.write({
      create_request: {
        key: this.prefix === '' ? Buffer.from([0]) : key,
        range_end: prefixEnd(key) ?? Buffer.from([0]),
        start_revision: this.next ?? 0,
      },
    });
  }

  private onResponse(res: IWatchResponse): void {
    if (this.queue.isClosed) return;
    this.retryMs = RETRY_MIN_MS;
    if (res.canceled) {
      const compacted = Number(res.compact_revision);
      this.queue.fail(
        compacted > 0
          ? new CompactedError(this.next ?? compacted - 1, compacted)
          : new UnavailableError(`etcd cancelled the watch on '${this.prefix}': ${res.cancel_reason}`),
      );
      return;
    }
    if (res.created) {
      this.next ??= Number(res.header.revision) + 1;
      return;
    }
    let last: number | undefined;
    for (const ev of res.events) {
      const revision = Number(ev.kv.mod_revision);
      if (this.next !== undefined && revision < this.next) continue;
      last = revision;
      const event: WatchEvent =
        ev.type === 'Delete'
          ? { type: 'delete', key: ev.kv.key.toString('utf8'), revision }
          : { type: 'put', kv: kvFromEtcd(ev.kv), revision };
      this.queue.push(event);
    }
    if (last !== undefined) this.next = last + 1;
  }

  private onBroken(stream: WatchStream): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    stream.cancel();
    if (!this.queue.isClosed) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private teardown(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      // Cancelling makes the stream emit a CANCELLED error; nobody needs it.
      stream.on('error', () => undefined);
      stream.cancel();
    }
  }
}
