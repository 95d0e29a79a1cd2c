/**
 * Planning image calls under image ownership (the rules: image-rules.ts; docs/rbac.md, "Images"). Every
 * image call first needs its operation on the caller's default collection (images carry no label); then,
 * for non-administrators:
 *
 * - a reference to an image the caller may not see answers the engine's own 404 (inspect, history,
 *   save, push, tag's source, remove, cache sources of a build);
 * - a call that makes a tag (tag, build `t`, commit `repo`, import `repo`, pull, load's archive) may make
 *   a new tag or replace the caller's own private one; a pull may also replace a shared tag; anything else
 *   is refused with the owner and what to do;
 * - a removal must be allowed for the tag (or for every tag of an image removed by id);
 * - the engine fetching from its own network for the caller (import from a URL, a remote build context)
 *   and whole-repository pulls and pushes that would take other users' tags along are refused.
 *
 * The plan says how to record the tags made (image-watch.ts) once the engine has made them.
 */
import type { Operation } from '@stevedore/authz';
import type { MatchedEndpoint } from './operations/index.js';
import { decide } from './caller.js';
import { archiveWatch } from './image-archive.js';
import {
  checkImageUse,
  findImage,
  findVisible,
  imageNotFound,
  recordsOf,
  scopeOf,
  visibleHistory,
  visibleInspect,
  visibleTags,
  type FoundImage,
  type ImageScope,
} from './image-access.js';
import type { ImageOwners, ImageSource, ImageTagRecord } from './image-owners.js';
import { familiar, parseImageRef, repositoryOf, tagRefOf, type TagRef } from './image-refs.js';
import { maySeeTag, overwriteRefusal, removeRefusal } from './image-rules.js';
import {
  builtImageId,
  importedImageId,
  isErrorLine,
  loadedImageId,
  loadedTag,
  progressWatch,
  recordWrites,
  removedRefs,
  type TagWrite,
} from './image-watch.js';
import { collectionOf, labelsOf, serviceIdOfContainer } from './labels.js';
import { requireOperation, type ImagePolicy, type Plan, type PlanContext } from './plan-context.js';
import { EngineRefusal, forbidden } from './refusals.js';
import { buildQueryNeeds } from './build-policy.js';
import { checkChanges } from './changes-policy.js';
import { checkFetchedUrl, importSourceUrl } from './remote-url.js';
import { buildContextGate } from './context-gate.js';
import { checkBuildBases } from './build-bases.js';
import { buildArgsOf } from './build-policy.js';
import { enforceNeeds } from './workload-needs.js';

type Json = Record<string, unknown>;

/** The image policy the planner holds: visibility for workloads, over these records. */
export function createImagePolicy(owners: ImageOwners): ImagePolicy {
  return { owners, checkUse: checkImageUse };
}

const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** Whether `name` says a tag or digest itself (else the engine takes every tag of the repository). */
function namesTagOrDigest(name: string): boolean {
  return name.includes('@') || name.lastIndexOf(':') > name.lastIndexOf('/');
}

function badName(what: string, value: string): EngineRefusal {
  return new EngineRefusal(
    400,
    `invalid reference format: ${what} ${JSON.stringify(value)} is not a valid image name`,
  );
}

/**
 * Checks that the caller may point `target` at an image (`incoming`, when known); returns what the
 * write will change, for its record.
 */
export async function checkTagWrite(
  scope: ImageScope,
  target: TagRef,
  source: ImageSource,
  incoming?: string,
): Promise<TagWrite> {
  const existing = await findImage(scope.engine, target.ref);
  if (!existing || existing.by !== 'tag')
    return { ref: target.ref, ...(incoming ? { image: incoming } : {}) };
  const before = existing.image.id;
  const write: TagWrite = { ref: target.ref, before, ...(incoming ? { image: incoming } : {}) };
  // Pointing a tag at the image it already names changes nothing.
  if (incoming !== undefined && incoming === before) return write;
  const record = (await recordsOf(scope.owners, [existing.image])).get(target.ref);
  const why = overwriteRefusal(scope.caller, target.ref, record, source);
  if (why) throw forbidden(why);
  return write;
}

/** How many containers running `imageId` the caller may not remove (other users' containers). */
async function othersUsing(ctx: PlanContext, imageId: string): Promise<number> {
  const answer = await ctx.engine.call('GET', '/containers/json?all=1');
  if (answer.status >= 300) return 0;
  const containers = (JSON.parse(answer.body.toString('utf8')) as Json[]).filter(
    (c) => c['ImageID'] === imageId,
  );
  if (containers.length === 0) return 0;
  const services = containers.some((c) => serviceIdOfContainer(c) !== undefined)
    ? await ctx.resolver.serviceCollections()
    : new Map<string, string>();
  return containers.filter((c) => {
    const serviceId = serviceIdOfContainer(c);
    const collection = (serviceId && services.get(serviceId)) || collectionOf(labelsOf('container', c));
    return !decide(ctx.access, ctx.caller, 'container.remove', collection).allowed;
  }).length;
}

/** Why the caller may not remove what `found` names; undefined when they may. */
async function removalRefusal(
  ctx: PlanContext,
  found: FoundImage,
  records: ReadonlyMap<string, ImageTagRecord>,
  ref: string,
): Promise<string | undefined> {
  const { caller } = ctx;
  let using: number | undefined;
  const others = async () => (using ??= await othersUsing(ctx, found.image.id));
  const refusalFor = async (name: string) => {
    const record = records.get(name);
    const needsCount = record?.source === 'pull' && record.owner === caller.name;
    return removeRefusal(caller, name, record, needsCount ? await others() : 0);
  };
  if (found.by === 'tag') return refusalFor(found.ref!);
  // By digest or id: the image goes with every name it has.
  const names =
    found.by === 'digest'
      ? [found.ref!]
      : [...found.image.tags, ...found.image.digests.filter((d) => records.has(d))];
  const hidden = names.filter((n) => !maySeeTag(caller, records.get(n)));
  if (hidden.length > 0)
    return `the image ${ref} is also tagged by other users: remove your own tags by name (docker rmi <name:tag>)`;
  for (const name of names) {
    const why = await refusalFor(name);
    if (why) return why;
  }
  return undefined;
}

function withImagePath(url: string, match: MatchedEndpoint, suffix: string, id: string): string {
  const q = url.indexOf('?');
  const prefix = match.version === undefined ? '' : `/v${match.version}`;
  return `${prefix}/images/${encodeURIComponent(id)}${suffix}${q >= 0 ? url.slice(q) : ''}`;
}

/** A stream's answer watched for errors; `atEnd` records what was made when none came. */
function onStream(onLine: (line: Json) => void, atEnd: () => Promise<void>) {
  return (status: number) => (status < 300 ? progressWatch(onLine, atEnd) : undefined);
}

export async function planImage(
  ctx: PlanContext,
  match: MatchedEndpoint,
  url: string,
  operation: Operation,
): Promise<Plan> {
  const { caller } = ctx;
  const call = `${match.endpoint.method} ${match.endpoint.path}`;
  const query = new URL(url, 'http://engine').searchParams;
  const collection = caller.defaultCollection;
  requireOperation(ctx, operation, collection);
  const name = match.param ?? '';
  const base: Plan = {
    action: operation,
    target: name ? `image:${name}` : call,
    collection,
    url,
    answer: 'pass',
  };
  const scope = scopeOf(ctx);
  const admin = caller.admin;

  switch (call) {
    case 'POST /build': {
      if (admin) return { ...base, stream: true };
      // The builder runs each step in a container made from the query: it is a workload (build-policy.ts).
      await enforceNeeds(ctx, buildQueryNeeds(query), collection, { createVolumes: false });
      if (query.get('remote'))
        throw forbidden(
          'a build context the engine fetches itself (remote=) is for administrators: its Dockerfile, which Stevedore never sees, could make the engine fetch from its own network; send the context from your machine',
        );
      // The legacy builder's reading of the Dockerfile is what the context gate follows; BuildKit reads it
      // its own way.
      if ((query.get('version') ?? '1') !== '1')
        throw forbidden(
          `BuildKit builds (version=${query.get('version') ?? ''}) are for administrators: Stevedore checks Dockerfiles as the classic builder reads them; build with DOCKER_BUILDKIT=0`,
        );
      // The context streams through a gate that reads the Dockerfile (ADD URLs, FROM images) before the
      // engine can see the end of the archive (context-gate.ts).
      const watchBody = () =>
        buildContextGate({
          dockerfile: query.get('dockerfile'),
          buildArgs: buildArgsOf(query),
          checkBases: (bases) => checkBuildBases(ctx, bases),
        });
      for (const from of cacheSources(query.get('cachefrom'))) await checkImageUse(ctx, from);
      const writes: TagWrite[] = [];
      for (const t of query.getAll('t')) {
        const target = tagRefOf(t, undefined);
        if (!target) throw badName('tag', t);
        writes.push(await checkTagWrite(scope, target, 'build'));
      }
      let failed = false;
      let built: string | undefined;
      return {
        ...base,
        target: writes.length > 0 ? `image:${writes.map((w) => familiar(w.ref)).join(',')}` : call,
        stream: true,
        watchBody,
        watchAnswer: onStream(
          (line) => {
            if (isErrorLine(line)) failed = true;
            built = builtImageId(line) ?? built;
          },
          () => (failed ? Promise.resolve() : recordWrites(scope, madeWrites(writes, built), 'build')),
        ),
      };
    }

    case 'POST /images/create':
      return planCreateImage(ctx, scope, base, query);

    case 'POST /images/load': {
      if (admin) return { ...base, stream: true };
      const checked = new Map<string, TagWrite>();
      const loaded: string[] = [];
      const untagged: string[] = [];
      return {
        ...base,
        stream: true,
        watchBody: () =>
          archiveWatch(async (tags) => {
            for (const tag of tags) {
              const target = parseImageRef(tag.ref) as TagRef;
              checked.set(tag.ref, await checkTagWrite(scope, target, 'load', tag.image));
            }
          }),
        watchAnswer: onStream(
          (line) => {
            const tag = loadedTag(line);
            if (tag) loaded.push(tag);
            const id = loadedImageId(line);
            if (id) untagged.push(id);
          },
          // A tag the archive check did not see is left unrecorded (shared), never given to the caller.
          () =>
            recordWrites(
              scope,
              [
                ...loaded.flatMap((ref) => {
                  const write = checked.get(ref);
                  return write ? [{ ref, ...(write.before ? { before: write.before } : {}) }] : [];
                }),
                ...untagged.map((id) => ({ ref: id, image: id })),
              ],
              'load',
            ),
        ),
      };
    }

    case 'GET /images/get': {
      if (!admin) for (const n of query.getAll('names')) await findVisible(scope, n, 'save');
      return base;
    }

    case 'GET /images/{name}/get':
      if (!admin) await findVisible(scope, name, 'save');
      return base;

    case 'GET /images/{name}/json':
    case 'GET /images/{name}/history': {
      if (admin) return base;
      const inspect = call === 'GET /images/{name}/json';
      const seen = await findVisible(scope, name, inspect ? 'inspect' : 'plain');
      if (!seen) return base;
      // The image that was checked is the one read, by its id; the names in the answer are cut.
      return {
        ...base,
        url: withImagePath(url, match, inspect ? '/json' : '/history', seen.found.image.id),
        answer: 'image',
        rewrite: (value) => (inspect ? visibleInspect(scope, value) : visibleHistory(scope, value)),
      };
    }

    case 'GET /images/{name}/attestations':
      if (!admin) await findVisible(scope, name);
      return base;

    case 'POST /images/{name}/push':
      if (!admin) await checkPush(ctx, scope, name, query.get('tag') ?? '');
      return base;

    case 'POST /images/{name}/tag': {
      const target = tagRefOf(query.get('repo') ?? '', query.get('tag'));
      if (admin) return base;
      if (!target) throw badName('repository', query.get('repo') ?? '');
      const seen = await findVisible(scope, name);
      if (!seen) return base;
      const image = seen.found.image.id;
      const write = await checkTagWrite(scope, target, 'tag', image);
      return {
        ...base,
        target: `image:${familiar(target.ref)}`,
        // The tag goes on the image that was checked.
        url: withImagePath(url, match, '/tag', image),
        verify: () => recordWrites(scope, [write], 'tag'),
      };
    }

    case 'DELETE /images/{name}': {
      const forget = (value: unknown) => ctx.images.owners.forget(removedRefs(value));
      if (admin) return { ...base, verify: forget };
      const seen = await findVisible(scope, name);
      if (!seen) return base;
      const why = await removalRefusal(ctx, seen.found, seen.records, name);
      if (why) throw forbidden(why);
      return { ...base, verify: forget };
    }

    case 'GET /images/search':
    case 'GET /distribution/{name}/json':
      // Registry calls: the registry decides what the caller may see there.
      return base;

    default:
      if (admin) return base;
      throw forbidden(`${call} is not offered: it is not reviewed for image ownership`);
  }
}

/** `cachefrom` is a JSON array of image references. */
function cacheSources(value: string | null): string[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    throw new EngineRefusal(400, 'cachefrom must be a JSON array of image names');
  }
}

/** Pull (`fromImage`) or import (`fromSrc`), as the engine tells them apart. */
async function planCreateImage(
  ctx: PlanContext,
  scope: ImageScope,
  base: Plan,
  query: URLSearchParams,
): Promise<Plan> {
  const admin = ctx.caller.admin;
  const fromImage = query.get('fromImage') ?? '';
  const tag = query.get('tag') ?? '';
  if (fromImage !== '') {
    if (admin) return { ...base, target: `image:${fromImage}`, stream: true };
    if (tag === '' && !namesTagOrDigest(fromImage))
      throw forbidden(
        `pulling every tag of ${fromImage} is for administrators, since it would replace tags of other users: pull the tags you need one by one`,
      );
    const named = parseImageRef(fromImage);
    if (!named || named.kind === 'id') throw badName('image', fromImage);
    const target = DIGEST.test(tag)
      ? parseImageRef(`${repositoryOf(named.ref)}@${tag}`)
      : named.kind === 'digest'
        ? named
        : tagRefOf(fromImage, tag);
    if (!target || target.kind === 'id') throw badName('image', `${fromImage}:${tag}`);
    // A digest names its content: pulling it replaces nothing.
    const write: TagWrite =
      target.kind === 'tag'
        ? await checkTagWrite(scope, target, 'pull')
        : { ref: target.ref, ...(await existingId(scope, target.ref)) };
    let failed = false;
    return {
      ...base,
      target: `image:${familiar(target.ref)}`,
      stream: true,
      watchAnswer: onStream(
        (line) => {
          if (isErrorLine(line)) failed = true;
        },
        () => (failed ? Promise.resolve() : recordWrites(scope, [write], 'pull')),
      ),
    };
  }
  const fromSrc = query.get('fromSrc') ?? '';
  if (admin) return { ...base, stream: true };
  // A URL the engine downloads must be on a public address; `changes` may not plant a fetch either.
  const source = importSourceUrl(fromSrc);
  if (source !== undefined) await checkFetchedUrl(source, 'the import source');
  await checkChanges(query.getAll('changes'));
  const repo = query.get('repo') ?? '';
  const writes: TagWrite[] = [];
  if (repo !== '') {
    const target = tagRefOf(repo, tag);
    if (!target) throw badName('repository', repo);
    writes.push(await checkTagWrite(scope, target, 'import'));
  }
  let failed = false;
  let imported: string | undefined;
  return {
    ...base,
    target: writes[0] ? `image:${familiar(writes[0].ref)}` : base.target,
    stream: true,
    watchAnswer: onStream(
      (line) => {
        if (isErrorLine(line)) failed = true;
        imported = importedImageId(line) ?? imported;
      },
      () => (failed ? Promise.resolve() : recordWrites(scope, madeWrites(writes, imported), 'import')),
    ),
  };
}

async function existingId(scope: ImageScope, ref: string): Promise<{ before?: string }> {
  const found = await findImage(scope.engine, ref);
  return found ? { before: found.image.id } : {};
}

/** A push sends the named tag, or every tag of the repository when none is named. */
async function checkPush(ctx: PlanContext, scope: ImageScope, name: string, tag: string): Promise<void> {
  const named = parseImageRef(name);
  if (!named || named.kind === 'id') throw badName('image', name);
  if (named.kind === 'digest') throw new EngineRefusal(400, `push a tag, not a digest (${name})`);
  const repo = named.repo;
  if (tag !== '' || namesTagOrDigest(name)) {
    const target = tagRefOf(name, tag || undefined);
    if (!target) throw badName('tag', tag);
    const found = await findImage(scope.engine, target.ref);
    if (!found || found.by !== 'tag') return; // the engine answers that there is no such tag
    const records = await recordsOf(scope.owners, [found.image]);
    if (!maySeeTag(ctx.caller, records.get(target.ref))) throw imageNotFound(familiar(repo), 'push');
    return;
  }
  // Every tag of the repository: all of them must be the caller's to see. (The whole list, read here:
  // the engine's reference filter matches names in forms that differ between versions.)
  const answer = await ctx.engine.call('GET', '/images/json');
  if (answer.status >= 300) throw new EngineRefusal(503, 'the engine did not list its images: try again');
  const images = (JSON.parse(answer.body.toString('utf8')) as Json[]).map((raw) => ({
    id: typeof raw['Id'] === 'string' ? raw['Id'] : '',
    tags: (Array.isArray(raw['RepoTags']) ? (raw['RepoTags'] as unknown[]) : [])
      .filter((t): t is string => typeof t === 'string')
      .map((t) => parseImageRef(t))
      .filter((r): r is TagRef => r?.kind === 'tag' && r.repo === repo)
      .map((r) => r.ref),
    digests: [] as string[],
  }));
  const records = await recordsOf(scope.owners, images);
  const all = images.flatMap((i) => i.tags);
  const seen = images.flatMap((i) => visibleTags(ctx.caller, i, records));
  if (all.length === 0) return;
  if (seen.length === 0) throw imageNotFound(familiar(repo), 'push');
  if (seen.length < all.length)
    throw forbidden(
      `pushing every tag of ${familiar(repo)} would push tags of other users too: push your tags one by one (docker push ${familiar(repo)}:<tag>)`,
    );
}

/** A commit into `repo` (and `tag`) makes that tag: checked like any other, recorded once made. */
export async function withCommitTag(ctx: PlanContext, plan: Plan, query: URLSearchParams): Promise<Plan> {
  const repo = query.get('repo') ?? '';
  if (ctx.caller.admin) return plan;
  const scope = scopeOf(ctx);
  const writes: TagWrite[] = [];
  if (repo !== '') {
    const target = tagRefOf(repo, query.get('tag'));
    if (!target) throw badName('repository', repo);
    writes.push(await checkTagWrite(scope, target, 'commit'));
  }
  const made = (value: unknown): string | undefined => {
    const id = value && typeof value === 'object' ? (value as Json)['Id'] : undefined;
    return typeof id === 'string' ? id : undefined;
  };
  return { ...plan, verify: (value) => recordWrites(scope, madeWrites(writes, made(value)), 'commit') };
}

/** The tags a call made, on the image it made; an untagged image is recorded under its id. */
function madeWrites(writes: readonly TagWrite[], image: string | undefined): TagWrite[] {
  if (writes.length === 0) return image ? [{ ref: image, image }] : [];
  return writes.map((w) => ({ ...w, ...(image ? { image } : {}) }));
}
