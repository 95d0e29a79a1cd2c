/**
 * Image references as the engine reads them (distribution/reference's ParseNormalizedNamed and
 * ParseAnyReference), so the proxy and the engine agree on which tag a name means: `busybox` is
 * `docker.io/library/busybox:latest`, `localhost:5000/a/b` keeps its registry, a reference with a digest is
 * looked up by the digest (a tag beside it is ignored, as the engine does), and `sha256:<64 hex>` or
 * 64 hex digits are an image id.
 *
 * A short hex string (`5089601f`) parses as a name; the engine tries it as a tag first and then as an id
 * prefix, so callers classify a reference only after the engine has said which image it found.
 */

export type ImageRef =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'tag'; readonly repo: string; readonly tag: string; readonly ref: string }
  | { readonly kind: 'digest'; readonly repo: string; readonly digest: string; readonly ref: string };

export type NamedRef = Exclude<ImageRef, { kind: 'id' }>;
export type TagRef = Extract<ImageRef, { kind: 'tag' }>;

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL = 'library';
const HEX64 = /^[a-f0-9]{64}$/;
const ID = /^sha256:[a-f0-9]{64}$/;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const NAME_MAX = 255;

function splitDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  const first = i < 0 ? '' : name.slice(0, i);
  let domain: string;
  let rest: string;
  if (i < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    rest = name;
  } else {
    domain = first;
    rest = name.slice(i + 1);
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !rest.includes('/')) rest = `${OFFICIAL}/${rest}`;
  return [domain, rest];
}

/** A name as the engine normalizes it, or undefined when the engine would refuse it. */
export function parseImageRef(input: string): ImageRef | undefined {
  if (HEX64.test(input)) return { kind: 'id', id: `sha256:${input}` };
  if (ID.test(input)) return { kind: 'id', id: input };
  const [domain, rest] = splitDomain(input);
  const colon = rest.indexOf(':');
  const remote = colon < 0 ? rest : rest.slice(0, colon);
  if (remote.toLowerCase() !== remote) return undefined;
  const m = REFERENCE.exec(`${domain}/${rest}`);
  if (!m) return undefined;
  const repo = m[1]!;
  if (repo.length > NAME_MAX) return undefined;
  const digest = m[3];
  if (digest !== undefined) return { kind: 'digest', repo, digest, ref: `${repo}@${digest}` };
  const tag = m[2] ?? 'latest';
  return { kind: 'tag', repo, tag, ref: `${repo}:${tag}` };
}

/** A tag the engine would make from `repo` (which may hold a tag) and a separate `tag` parameter. */
export function tagRefOf(repo: string, tag: string | null | undefined): TagRef | undefined {
  const parsed = parseImageRef(repo);
  if (!parsed || parsed.kind !== 'tag') return undefined;
  if (!tag) return parsed;
  const withTag = parseImageRef(`${parsed.repo}:${tag}`);
  return withTag?.kind === 'tag' ? withTag : undefined;
}

/** The normalized form of a name the engine reports (RepoTags, RepoDigests, event names), or undefined. */
export function normalizeRef(name: string): string | undefined {
  const parsed = parseImageRef(name);
  return parsed && parsed.kind !== 'id' ? parsed.ref : undefined;
}

/** The short form people type and the engine prints: `busybox:latest`, `alice/app:1`. */
export function familiar(ref: string): string {
  const prefix = `${DEFAULT_DOMAIN}/`;
  if (!ref.startsWith(prefix)) return ref;
  const rest = ref.slice(prefix.length);
  const official = `${OFFICIAL}/`;
  if (rest.startsWith(official) && !rest.slice(official.length).split(/[:@]/)[0]!.includes('/'))
    return rest.slice(official.length);
  return rest;
}

/** The repository of a normalized reference: everything before its tag or digest. */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(0, colon) : ref;
}
