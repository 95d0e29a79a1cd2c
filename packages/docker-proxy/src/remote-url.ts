/**
 * Where the engine may fetch from for a caller who is not an administrator: only public addresses. The
 * engine fetches URLs for a build's `remote` context, a Dockerfile's `ADD <url>`, and `POST /images/create
 * ?fromSrc=<url>`; from the engine's host, a URL on loopback, a private network or the cloud metadata
 * address reaches what the caller could not reach themselves (SSRF).
 *
 * Invariants:
 * - Parsing is strict where Go's net/url, curl (git) and WHATWG differ: a URL whose host could be read two
 *   ways (backslashes, spaces, two `@`, percent-encoding or non-ASCII in the host, an IPv4 address in
 *   octal, hex, integer or short form, a name ending in a number) is refused, never guessed.
 * - A name is resolved and refused when ANY of its addresses is not public (a dual-stack name with one
 *   private address could be dialled at that one).
 * - Not closed by a check made here, before the engine fetches: DNS rebinding (the name may resolve
 *   differently a moment later, for the engine) and HTTP redirects (Go's http.Get and git follow them to any
 *   address). The check also assumes the proxy resolves names as the engine's host does.
 */
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { forbidden } from './refusals.js';

/** All addresses a host name resolves to. */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const RANGES: readonly (readonly [string, number, string])[] = [
  ['0.0.0.0', 8, 'an unspecified ("this network") address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a carrier-grade NAT (shared) address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'an IETF protocol address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.88.99.0', 24, 'a 6to4 relay address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['255.255.255.255', 32, 'the broadcast address'],
  ['240.0.0.0', 4, 'a reserved address'],
  ['::', 128, 'the unspecified address'],
  ['::1', 128, 'a loopback address'],
  ['64:ff9b::', 96, 'a NAT64 address'],
  ['64:ff9b:1::', 48, 'a NAT64 address'],
  ['100::', 64, 'a discard-only address'],
  ['2001:db8::', 32, 'a documentation address'],
  ['2001::', 23, 'an IETF protocol address (Teredo, ORCHID, benchmarking)'],
  ['2002::', 16, 'a 6to4 address'],
  ['3fff::', 20, 'a documentation address'],
  ['fc00::', 7, 'a private (unique local) address'],
  ['fe80::', 10, 'a link-local address'],
  ['fec0::', 10, 'a site-local address'],
  ['ff00::', 8, 'a multicast address'],
];
const LISTS = RANGES.map(([net, prefix, label]) => {
  const list = new BlockList();
  const family: 'ipv4' | 'ipv6' = isIP(net) === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(net, prefix, family);
  return { list, family, label };
});

/** The eight 16-bit groups of a valid IPv6 address (WHATWG's parser writes it canonically first). */
function groups6(address: string): number[] {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

/** Why `address` (an IP literal) is not public, or undefined when it is. */
export function nonPublicReason(address: string): string | undefined {
  const plain = address.replace(/%.*$/, '');
  const family = isIP(plain);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const g = groups6(plain);
    // IPv4-mapped (::ffff:a.b.c.d): Go dials these as the IPv4 address they carry.
    if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
      const v4 = [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join('.');
      const inner = nonPublicReason(v4);
      return inner && `IPv4-mapped ${v4}, ${inner}`;
    }
  }
  for (const { list, family: f, label } of LISTS) {
    if ((f === 'ipv4') === (family === 4) && list.check(plain, f)) return label;
  }
  if (family === 6 && (groups6(plain)[0]! & 0xe000) !== 0x2000)
    return 'a reserved (not global unicast) address';
  return undefined;
}

/** inet_aton's reading of a numeric host (`0x7f.1`, `2130706433`), for the message only. */
function atonValue(labels: string[]): string | undefined {
  const parts = labels.map((l) =>
    /^0x/i.test(l)
      ? parseInt(l.slice(2) || '0', 16)
      : /^0\d/.test(l)
        ? /^[0-7]+$/.test(l)
          ? parseInt(l, 8)
          : NaN
        : Number(l),
  );
  if (parts.length > 4 || parts.some((p) => !Number.isFinite(p))) return undefined;
  const last = parts.pop()!;
  if (parts.some((p) => p > 255) || last >= 2 ** (8 * (4 - parts.length))) return undefined;
  let value = last;
  parts.forEach((p, i) => (value += p * 2 ** (8 * (3 - i))));
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

const SCHEMES = new Set(['http', 'https', 'git', 'ssh']);

/** Go's url.Parse authority rules, strictly: the host, or a reason it cannot be read with certainty. */
function hostOf(raw: string): { host: string } | { why: string } {
  if (/[\s\\\x00-\x1f\x7f]/.test(raw)) return { why: 'it holds spaces, control characters or backslashes' };
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(raw);
  if (!m) return { why: 'it is not an absolute URL with a host' };
  if (!SCHEMES.has(m[1]!.toLowerCase())) return { why: `its scheme ${m[1]} is not one Stevedore checks` };
  const authority = m[2]!;
  const at = authority.split('@');
  if (at.length > 2) return { why: 'it has more than one "@", which URL readers split differently' };
  const hostport = at[at.length - 1]!;
  const v6 = /^\[([^\]]*)\](?::\d*)?$/.exec(hostport);
  if (v6)
    return isIP(v6[1]!) === 6 && !v6[1]!.includes('%')
      ? { host: v6[1]! }
      : { why: 'its bracketed host is not an IPv6 address without a zone' };
  const hp = /^([^:]*)(?::\d*)?$/.exec(hostport);
  if (!hp || hp[1] === '') return { why: 'it has no host, or a port that is not a number' };
  return { host: hp[1]! };
}

function shown(raw: string): string {
  // Credentials in a URL stay out of messages and the audit log.
  return raw.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#@]*@/, '$1***@');
}

/**
 * Refuses (EngineRefusal 403) unless every address the engine could fetch `raw` from is public. `what`
 * names the URL's role for the message ("the build context", "the Dockerfile's ADD source").
 */
export async function checkFetchedUrl(
  raw: string,
  what: string,
  resolve: Resolve = systemResolve,
): Promise<void> {
  const refuse = (why: string) =>
    forbidden(
      `${what} ${shown(raw)} ${why}: the engine may only fetch from public addresses for you; ask an administrator`,
    );
  const parsed = hostOf(raw);
  if ('why' in parsed) throw refuse(`cannot be checked, as ${parsed.why}`);
  const host = parsed.host.toLowerCase();
  if (isIP(host) === 6) {
    const reason = nonPublicReason(host);
    if (reason) throw refuse(`resolves to ${host}, ${reason}`);
    return;
  }
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(host))
    throw refuse('cannot be checked, as its host is not a plain DNS name or IP address');
  const labels = host.replace(/\.$/, '').split('.');
  if (labels.every((l) => /^(0x[0-9a-f]*|\d+)$/.test(l))) {
    // Only the dotted-decimal form means the same to every resolver; the others (inet_aton's octal, hex,
    // short and integer forms) are read differently by Go's parser, glibc and older Go versions.
    const canonical =
      !host.endsWith('.') &&
      labels.length === 4 &&
      labels.every((l) => /^(0|[1-9]\d{0,2})$/.test(l) && Number(l) < 256);
    if (!canonical) {
      const value = atonValue(labels);
      throw refuse(
        `writes an IPv4 address in a non-standard form${value ? ` (${value}${nonPublicReason(value) ? `, ${nonPublicReason(value)}` : ''})` : ''}, which Stevedore does not accept`,
      );
    }
    const reason = nonPublicReason(host);
    if (reason) throw refuse(`resolves to ${host}, ${reason}`);
    return;
  }
  if (/^(0x[0-9a-f]*|\d+)$/.test(labels[labels.length - 1]!))
    throw refuse('cannot be checked, as its host name ends in a number (resolvers read it as an address)');
  if (labels[labels.length - 1] === 'localhost') throw refuse(`resolves to ${host}, a loopback name`);
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    throw refuse(`cannot be checked, as ${host} does not resolve here`);
  }
  if (addresses.length === 0) throw refuse(`cannot be checked, as ${host} does not resolve here`);
  for (const address of addresses) {
    const reason = nonPublicReason(address);
    if (reason) throw refuse(`resolves to ${address}, ${reason}`);
  }
}

/**
 * How the legacy builder (dockerd 20.10, builder/remotecontext/detect.go with pkg/urlutil) reads a build's
 * `remote` parameter: empty is the request body; a git URL (`git://`, `git@`, `github.com/`, or an
 * http(s) URL ending in `.git` with an optional `#ref:dir`) is cloned; any other http(s) URL is downloaded
 * as "a Dockerfile or a tarball at a URL". `url` is what git or Go's HTTP client connects to.
 */
export type BuildRemote =
  | { readonly kind: 'none' }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'git'; readonly url: string }
  | { readonly kind: 'unknown'; readonly why: string };

const isHttp = (s: string) => s.startsWith('http://') || s.startsWith('https://');

export function classifyBuildRemote(remote: string): BuildRemote {
  if (remote === '') return { kind: 'none' };
  // urlutil's regexp is `.git(?:#.+)?$`, its dot unescaped: `http://h/xgit` is a git URL too.
  const git =
    (isHttp(remote) && /.git(?:#.+)?$/.test(remote)) ||
    ['git://', 'github.com/', 'git@'].some((p) => remote.startsWith(p));
  if (git) {
    if (remote.startsWith('git@')) {
      // scp-like `git@host:path` (git's rule: a colon before any slash); without one git reads a local
      // path on the engine's host.
      const repo = remote.split('#')[0]!;
      const m = /^git@(\[[^\]]*\]|[^/:[]*):/.exec(repo);
      if (!m) return { kind: 'unknown', why: 'git would read it as a path on the engine host' };
      return { kind: 'git', url: `ssh://git@${m[1]}/` };
    }
    const url = isHttp(remote) || remote.startsWith('git://') ? remote : `https://${remote}`;
    return { kind: 'git', url: url.split('#')[0]! };
  }
  if (isHttp(remote)) return { kind: 'url', url: remote };
  if (remote === 'client-session') return { kind: 'unknown', why: 'it is a BuildKit session' };
  return { kind: 'unknown', why: 'the engine does not read it as a URL' };
}

/** Refuses a `remote` build context whose fetch Stevedore cannot show to reach only public addresses. */
export async function checkBuildRemote(remote: string, resolve: Resolve = systemResolve): Promise<void> {
  const classified = classifyBuildRemote(remote);
  switch (classified.kind) {
    case 'none':
      return;
    case 'unknown':
      throw forbidden(
        `the build context ${shown(remote)} cannot be checked, as ${classified.why}: ask an administrator`,
      );
    case 'url':
      return checkFetchedUrl(classified.url, 'the build context', resolve);
    case 'git':
      return checkFetchedUrl(classified.url, 'the git repository of the build', resolve);
  }
}

/**
 * The URL `POST /images/create?fromSrc=` makes the engine download (daemon/images/import.go: `-` is the
 * request body; a source without `://` gets `http://` in front), or undefined for the body.
 */
export function importSourceUrl(fromSrc: string): string | undefined {
  if (fromSrc === '-') return undefined;
  return fromSrc.includes('://') ? fromSrc : `http://${fromSrc}`;
}
