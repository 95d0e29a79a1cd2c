/**
 * An in-process cache of manifest bytes by digest. Content addressed, so entries never go stale; only
 * bounded by total bytes (least recently used first out). It is what makes manifest GET cheap: one Store
 * read for the tag or record, and no file I/O.
 */
export class ManifestCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(digest: string): Buffer | undefined {
    const hit = this.entries.get(digest);
    if (hit !== undefined) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.entries.delete(digest);
      this.entries.set(digest, hit);
    }
    return hit;
  }

  set(digest: string, body: Buffer): void {
    if (body.length > this.maxBytes / 4 || this.entries.has(digest)) return;
    this.entries.set(digest, body);
    this.bytes += body.length;
    for (const [key, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= value.length;
    }
  }
}
