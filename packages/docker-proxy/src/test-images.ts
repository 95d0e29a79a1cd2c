/**
 * For this package's image tests: an engine holding images and containers in memory, resolving an image
 * reference as the engine does (a tag, else a digest, else an id or a unique id prefix), with the image
 * calls the proxy makes itself (inspect, list, untag), and callers alice, bob (each Restricted Control on
 * their private collection) and an administrator.
 */
import type { EngineAnswer, EngineLookups } from './engine-api.js';
import type { ProxyAccess, ProxyCaller } from './caller.js';
import { normalizeRef, parseImageRef } from './image-refs.js';
import { testAccess } from './test-access.js';

type Json = Record<string, unknown>;

export interface TestImage {
  Id: string;
  RepoTags: string[];
  RepoDigests?: string[];
}

export const idOf = (c: string) => `sha256:${c.repeat(64)}`;

const answer = (status: number, value: unknown): EngineAnswer => ({
  status,
  headers: {},
  body: Buffer.from(JSON.stringify(value ?? null)),
});

export function findTestImage(images: readonly TestImage[], ref: string): TestImage | undefined {
  const parsed = parseImageRef(ref);
  if (parsed?.kind === 'id') return images.find((i) => i.Id === parsed.id);
  const norm = (names: readonly string[] | undefined) => (names ?? []).map(normalizeRef);
  if (parsed?.kind === 'tag') {
    const byTag = images.find((i) => norm(i.RepoTags).includes(parsed.ref));
    if (byTag) return byTag;
  }
  if (parsed?.kind === 'digest') return images.find((i) => norm(i.RepoDigests).includes(parsed.ref));
  const hex = ref.replace(/^sha256:/, '');
  if (!/^[a-f0-9]+$/.test(hex)) return undefined;
  const prefixed = images.filter((i) => i.Id.slice(7).startsWith(hex));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

export interface TestImageEngine extends EngineLookups {
  readonly images: TestImage[];
  readonly containers: Json[];
  readonly calls: string[];
}

export function imageEngine(images: TestImage[], containers: Json[] = []): TestImageEngine {
  const calls: string[] = [];
  const call = (method: string, path: string): Promise<EngineAnswer> => {
    calls.push(`${method} ${path}`);
    if (method === 'GET' && path === '/containers/json?all=1')
      return Promise.resolve(answer(200, containers));
    if (method === 'GET' && path.startsWith('/images/json')) {
      const filters = new URL(path, 'http://e').searchParams.get('filters');
      const reference = filters
        ? (JSON.parse(filters) as { reference?: string[] }).reference?.[0]
        : undefined;
      const repo = reference ? normalizeRef(reference)?.replace(/:latest$/, '') : undefined;
      const listed = repo
        ? images.filter((i) => i.RepoTags.some((t) => normalizeRef(t)?.startsWith(`${repo}:`)))
        : images;
      return Promise.resolve(answer(200, listed));
    }
    const m = /^\/images\/([^/?]+)(\/json)?(\?.*)?$/.exec(path);
    if (m) {
      const ref = decodeURIComponent(m[1]!);
      const image = findTestImage(images, ref);
      if (method === 'GET' && m[2]) return Promise.resolve(image ? answer(200, image) : answer(404, {}));
      if (method === 'DELETE' && image) {
        const n = normalizeRef(ref);
        image.RepoTags = image.RepoTags.filter((t) => normalizeRef(t) !== n);
        return Promise.resolve(answer(200, [{ Untagged: ref }]));
      }
    }
    return Promise.resolve(answer(404, { message: `no ${path}` }));
  };
  return {
    images,
    containers,
    calls,
    call,
    async inspect<T>(path: string): Promise<T | undefined> {
      const a = await call('GET', path);
      return a.status === 404 ? undefined : (JSON.parse(a.body.toString('utf8')) as T);
    },
  };
}

export type ImageWho = 'alice' | 'bob' | 'admin';

export function imageCallers(): Record<ImageWho, { access: ProxyAccess; caller: ProxyCaller }> {
  const user = (name: string) => {
    const t = testAccess(name, [{ roleId: 'restricted-control', collection: `/Shared/Private/${name}` }]);
    return { access: t.access, caller: t.caller };
  };
  const root = testAccess('root', []);
  root.model.putUser({ name: 'root', admin: true, active: true });
  return {
    alice: user('alice'),
    bob: user('bob'),
    admin: { access: root.access, caller: { ...root.caller, admin: true } },
  };
}
