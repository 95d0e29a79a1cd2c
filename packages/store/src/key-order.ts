/**
 * Key order and prefix bounds, bytewise over UTF-8 as etcd compares keys. JavaScript's `<` compares UTF-16
 * code units, which disagrees with UTF-8 byte order for characters above U+FFFF, so never use it on keys.
 */

export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The smallest byte string greater than every key starting with `prefix` (etcd's range_end for a prefix),
 * or undefined when there is none (empty prefix, or a prefix of only 0xff bytes): the range is unbounded.
 */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}
