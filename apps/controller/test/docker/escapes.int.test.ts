/**
 * The security review's escapes, as a table: bob (cluster.ts: Restricted Control on /Shared/Private/bob,
 * View Only and Scheduler on /Shared/dev, not an administrator), with his real client bundle, tries each
 * way out through every encoding we could think of, with the real docker CLIs (28.2 and Debian's 20.10)
 * where a CLI can say it, and raw HTTPS (his bundle, or his session at /api/docker) or raw bytes where it
 * cannot.
 *
 * Each row is one attempt, the refusal expected (status and the reason the user is shown) and an effect
 * check made on the engine itself (its socket, bypassing the proxy) or on what came back. A row passes
 * when the effect check finds nothing AND the attempt was either refused with the expected reason or
 * accepted harmlessly; the effect check runs whatever the answer was. Each row uses names of its own
 * (`esc-<row><via>`) and is cleaned up on the engine after.
 *
 * Placeholders in the table (`<IMAGE>`, `<N>` the row's own name, `<PORT>` the loopback recorder's port,
 * `<ADMIN_NET>`, …) are filled when the row runs, from what `before` made. `before` also checks that each
 * effect can happen at all (alice is shown her password, the engine reaches the recorder, …).
 *
 * ESCAPES_VERBOSE=1 prints each row's outcome under it. ESCAPES_AGAINST_ENGINE=1 sends every row straight
 * to the engine instead of the proxy, to show that the effect checks see the escapes: then nearly every row
 * fails, except the few whose effect this engine (20.10, one node) cannot produce.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { IMAGE, startDockerCluster, type DockerCluster } from './cluster.js';
import {
  bobsHands,
  containerDangers,
  list,
  obj,
  retar,
  startRecorder,
  str,
  tar,
  untar,
  type Attempt,
  type Bob,
  type Hands,
  type Json,
  type Recorder,
  type TarEntry,
  type Via,
} from './escape-kit.js';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------------------
// The table's vocabulary.

type Send = (bob: Bob, n: string) => Promise<Attempt>;
/** A description of the forbidden effect found, or undefined when there is none. */
type Effect = (n: string, attempt: Attempt) => Promise<string | undefined>;
interface Refusal {
  readonly status: readonly number[];
  readonly reason: RegExp;
}
interface Row {
  readonly cause: number;
  readonly name: string;
  readonly via: readonly Via[];
  readonly send: Send;
  readonly refusal: Refusal;
  readonly effect: Effect;
}

/**
 * ESCAPES_AGAINST_ENGINE=1 sends every row straight to the engine (bypassing the proxy): the validation
 * that each effect check sees its escape. Most rows then fail with their effect.
 */
const AGAINST_ENGINE = process.env['ESCAPES_AGAINST_ENGINE'] === '1';
const CAUSES: Record<number, string> = {
  1: 'cause 1: Upgrade and request smuggling',
  2: 'cause 2: key case, folding and duplicates',
  3: 'cause 3: fields no rule looked at',
  4: "cause 4: the engine fetching from the host's network",
  5: 'cause 5: images shared by everyone',
  6: 'cause 6: leaks',
};
const CLIS: readonly Via[] = ['docker 28.2', 'docker 20.10'];
const RAW: readonly Via[] = ['bundle'];
const RAW2: readonly Via[] = ['bundle', 'session'];
const LETTER: Record<Via, string> = { 'docker 28.2': 'n', 'docker 20.10': 'o', bundle: 'b', session: 's' };

/** What `before` made, by placeholder name. */
const v: Record<string, string> = {};
const bufs: Record<string, Buffer> = {};
const fill = (s: string, n: string, depth = 0): string => {
  const out = s.replace(/<([A-Z][A-Z0-9_]*)>/g, (_, k: string) => {
    if (k === 'N') return n;
    const value = v[k];
    if (value === undefined) throw new Error(`row bug: no value for <${k}>`);
    return value;
  });
  // A value may name the row (CGROUP is per row): fill once more.
  return out !== s && depth < 2 ? fill(out, n, depth + 1) : out;
};

const row = (
  cause: number,
  name: string,
  via: readonly Via[],
  send: Send,
  refusal: Refusal,
  effect: Effect,
): Row => ({ cause, name, via, send, refusal, effect });

const either = (...res: RegExp[]) => new RegExp(res.map((r) => r.source).join('|'));
const refuse = (status: readonly number[], ...reasons: RegExp[]): Refusal => ({
  status,
  reason: either(...reasons),
});

/** The reasons a user is shown, by what they are about. */
const R = {
  upgrade: /Upgrade is only for attach and exec start/,
  badRequest: /Bad Request|Transfer-Encoding|Content-Length|chunked/,
  decode: /ambiguous|twice|not a field Stevedore knows|does not decode|not valid JSON/,
  bind: /bind mount of host path|volume driver options/,
  privileged: /privileged mode|security option|systempaths=unconfined|MaskedPaths|ReadonlyPaths/,
  namespaces: /shares the host's namespace|joins another container's namespace|Mode "/,
  caps: /added capabilities/,
  devices: /host devices/,
  admin: /for administrators only|needs an administrator/,
  // (On a 404 for a create, the CLI tries to pull the image and shows that failure instead.)
  hidden: /No such container|not found|Unable to find image/,
  image: /No such image|reference does not exist|belongs to alice|not found/,
  collection: /on \/Shared\/dev is not allowed/,
  tooOld: /is too old/,
  unknownCall:
    /not offered|not an Engine API call Stevedore knows|not a (?:field|query parameter) Stevedore knows|not supported/,
  // The URL's host is not public, cannot be known, or the engine would read what Stevedore cannot check.
  fetch:
    /may only fetch from public addresses|cannot be checked|cannot know|cannot check|fetches itself|reads only plain and gzip/,
  onbuild: /ONBUILD|OnBuild|build trigger/,
  schedule: /node\.schedule on \/Shared\/ops|may not schedule on any node/,
  swarmLabel: /com\.docker\.swarm\.|only Swarm sets/,
  cgroup: /CgroupParent|cgroup/i,
  network: /network \S+ not found|No such network|network\.connect|the "host" network|NetworkID/,
  conflict: /already in use|already exists|is taken|conflicts/,
};
const ANY_REFUSAL = refuse([400, 401, 403, 404, 409], /\S/);
const BIND = refuse([400, 403], R.bind, R.decode);
const PRIV = refuse([400, 403], R.privileged, R.decode);
const NS = refuse([400, 403], R.namespaces, R.decode);
const FETCH = refuse([400, 403], R.fetch, R.onbuild);
const IMG = refuse([403, 404, 409], R.image);

// --- ways of sending ---

const words = (args: string | readonly string[]) => (typeof args === 'string' ? args.split(' ') : [...args]);
/** The docker CLI; `input` is its stdin. */
const cli =
  (args: string | readonly string[], input?: string): Send =>
  (b, n) =>
    b.docker(
      words(args).map((a) => fill(a, n)),
      input === undefined ? {} : { input: fill(input, n) },
    );
/** A CLI step with docker 28.2 whichever way the row goes (setup for a raw request). */
const setupCli =
  (args: string | readonly string[], input?: string): Send =>
  (_b, n) =>
    cli(args, input)(hands.bob('docker 28.2'), n);
/** A build by the CLI of a context directory written for the row; `files` by path, `extra` flags. */
const cliBuild =
  (files: Record<string, string>, extra: readonly string[] = []): Send =>
  async (b, n) => {
    const dir = join(v['DIR']!, `ctx-${n}`);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), fill(text, n));
    }
    return b.docker([
      'build',
      '-q',
      '-t',
      `${n}:1`,
      ...extra.map((a) => fill(a.replace('<CTX>', dir), n)),
      dir,
    ]);
  };
type Path = string | ((n: string) => string);
const pathOf = (p: Path, n: string) => (typeof p === 'string' ? fill(p, n) : p(n));
/** A query string whose values are filled, then encoded. */
const q =
  (base: string, params: Record<string, string>): Path =>
  (n) =>
    `${fill(base, n)}?${new URLSearchParams(Object.entries(params).map(([k, x]): [string, string] => [k, fill(x, n)])).toString()}`;
/** One HTTPS request; a string body is filled and sent as JSON, a Buffer (by `bufs` name or made) as it is. */
const http =
  (
    method: string,
    path: Path,
    body?: string | ((n: string) => Buffer),
    headers?: Record<string, string>,
  ): Send =>
  (b, n) =>
    b.http(
      method,
      pathOf(path, n),
      typeof body === 'function' ? body(n) : body === undefined ? undefined : fill(body, n),
      headers,
    );
const get = (path: Path) => http('GET', path);
const post = (path: Path, body?: string | ((n: string) => Buffer), headers?: Record<string, string>) =>
  http('POST', path, body, headers);
const CREATE = '/v1.41/containers/create?name=<N>';
const create = (body: string, headers?: Record<string, string>) => post(CREATE, body, headers);
/** A create body with these HostConfig members (as written: keys may repeat or be spelled oddly). */
const hc = (members: string) => `{"Image":"<IMAGE>","Cmd":["sleep","60"],"HostConfig":{${members}}}`;
/** Steps in order; the first refused one is the answer. */
const seq =
  (...steps: Send[]): Send =>
  async (b, n) => {
    const done: Attempt[] = [];
    for (const step of steps) {
      const a = await step(b, n);
      done.push(a);
      if (a.refused) break;
    }
    const last = done[done.length - 1]!;
    return { ...last, what: done.map((a) => a.what).join(', then ') };
  };

/** One raw HTTP/1.1 request, for `bytes`. */
interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: readonly string[];
  readonly body?: string;
  /** Send a Content-Length for the body (default: when there is one). */
  readonly length?: boolean;
}
const rawText = (r: RawRequest, prefix: string, auth: string, n: string) => {
  const body = fill(r.body ?? '', n);
  const lines = [`${r.method} ${prefix}${fill(r.path, n)} HTTP/1.1`, 'Host: localhost'];
  if (auth) lines.push(auth.trim());
  lines.push(...(r.headers ?? []).map((h) => fill(h, n)));
  if (body && r.length !== false) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
};
/** Requests written back to back on one TLS connection. */
const raw =
  (...requests: RawRequest[]): Send =>
  (b, n) =>
    b.bytes((prefix, auth) => requests.map((r) => rawText(r, prefix, auth, n)).join(''));
const UPGRADE = ['Connection: Upgrade', 'Upgrade: tcp'];
const JSON_TYPE = 'Content-Type: application/json';
const BIND_ROOT = '{"Image":"<IMAGE>","Cmd":["sleep","60"],"HostConfig":{"Binds":["/:/host"]}}';
const SWARM: RawRequest = { method: 'GET', path: '/v1.41/swarm' };

/** Runs `send` with the engine's node relabelled into /Shared/ops, and puts it back in /Shared/dev. */
const onOps =
  (send: Send): Send =>
  async (b, n) => {
    const relabel = (path: string) =>
      cluster.docker('admin', [
        'node',
        'update',
        '--label-add',
        `io.stevedore.collection=${path}`,
        v['NODE']!,
      ]);
    await relabel('/Shared/ops');
    try {
      return await send(b, n);
    } finally {
      await relabel('/Shared/dev');
    }
  };

// --- effect checks ---

const excerpt = (text: string, re: RegExp) => {
  const m = re.exec(text);
  if (!m) return '';
  const at = m.index;
  return JSON.stringify(text.slice(Math.max(0, at - 80), at + m[0].length + 80));
};
const all =
  (...effects: Effect[]): Effect =>
  async (n, a) => {
    const found: string[] = [];
    for (const e of effects) {
      const f = await e(n, a);
      if (f) found.push(f);
    }
    return found.length > 0 ? found.join('; and ') : undefined;
  };
/** An effect read from the answer alone. */
const upgraded: Effect = (_n, a) =>
  Promise.resolve(
    a.status === 101
      ? "the connection was upgraded to the engine's BuildKit API (HTTP/2), which Stevedore cannot read"
      : undefined,
  );
const fromAnswer =
  (check: (n: string, a: Attempt) => string | undefined): Effect =>
  (n, a) =>
    Promise.resolve(check(n, a));
/** The answer itself shows what it must not. */
const shows = (pattern: RegExp | (() => RegExp), what: string): Effect =>
  fromAnswer((_n, a) => {
    const re = typeof pattern === 'function' ? pattern() : pattern;
    return re.test(a.output) ? `the answer shows ${what}: …${excerpt(a.output, re)}…` : undefined;
  });
const literal = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));

/** Container `n` was made with something bob may not have. */
const dangerous: Effect = async (n) => {
  const c = await probe.container(n);
  if (!c) return undefined;
  const found = containerDangers(c, { adminNetworkId: v['ADMIN_NET']! });
  return found.length > 0 ? `container ${n} exists with ${found.join(', ')}` : undefined;
};
const exists: Effect = async (n) =>
  (await probe.container(n)) ? `container ${n} exists on the engine` : undefined;
const running: Effect = async (n) =>
  obj((await probe.container(n))?.['State'])['Running'] === true
    ? `container ${n} is running on the engine`
    : undefined;
/** A plain container passing for a task of alice's service (in /Shared/dev). */
const posingAsTask: Effect = async (n) => {
  const c = await probe.container(n);
  if (!c) return undefined;
  const label = obj(obj(c['Config'])['Labels'])['com.docker.swarm.service.id'];
  const alice = await hands.asAlice('GET', `/v1.41/containers/${n}/json`);
  return (
    `container ${n} exists on the engine afterwards` +
    (label ? ` with com.docker.swarm.service.id=${str(label)}` : '') +
    (alice.status === 200
      ? ', and alice (who may not see bob’s containers) is shown it as one of /Shared/dev'
      : '')
  );
};
const serviceExists: Effect = async (n) =>
  (await probe.service(n)) ? `service ${n} exists on the engine` : undefined;
/** Service `n` exists without the placement constraints the proxy gives bob's services. */
const unplaced: Effect = async (n) => {
  const s = await probe.service(n);
  if (!s) return undefined;
  const constraints = list(obj(obj(obj(s['Spec'])['TaskTemplate'])['Placement'])['Constraints']).map(String);
  const missing = JSON.parse(v['BASE_CONSTRAINTS']!) as string[];
  const lacks = missing.filter((c) => !constraints.includes(c));
  return lacks.length > 0
    ? `service ${n} exists placed by ${JSON.stringify(constraints)}, without the proxy's ${JSON.stringify(lacks)}`
    : undefined;
};
const serviceBinds: Effect = async (n) => {
  const s = await probe.service(n);
  const mounts = list(obj(obj(obj(s?.['Spec'])['TaskTemplate'])['ContainerSpec'])['Mounts']);
  const binds = mounts.filter((m) => obj(m)['Type'] === 'bind');
  return binds.length > 0 ? `service ${n} exists with bind mounts ${JSON.stringify(binds)}` : undefined;
};
/** A container of someone else's is on bob's network, or bob's is on admin's. */
const onNetwork =
  (network: string, container: string, who: string): Effect =>
  async () => {
    const net = await probe.network(fill(network, ''));
    const ids = Object.keys(obj(net?.['Containers']));
    const id = fill(container, '');
    return ids.some((x) => x.startsWith(id) || id.startsWith(x))
      ? `${who} was connected to network ${network}`
      : undefined;
  };
/** Container `n`'s endpoint names admin's network (as it would join on start). */
const onAdminNetwork: Effect = async (n) => {
  const c = await probe.container(n);
  if (!c) return undefined;
  const direct = containerDangers(c, { adminNetworkId: v['ADMIN_NET']! }).filter((d) =>
    d.includes("admin's"),
  );
  if (direct.length > 0) return `container ${n} exists: ${direct.join(', ')}`;
  await cluster.engine.request('POST', `/containers/${n}/start`);
  const joined = await onNetwork('<ADMIN_NET>', String(c['Id']), `container ${n}`)(n, NOTHING);
  return joined ? `${joined} when started` : undefined;
};
/** The engine reached the loopback recorder for this row. */
const reached: Effect = async (n) => {
  await new Promise((r) => setTimeout(r, 300));
  const hits = recorder.seen(n);
  return hits.length > 0
    ? `the loopback server (127.0.0.1:${recorder.port}) was reached: ${JSON.stringify(hits[0]!.split('\r\n')[0])}`
    : undefined;
};
/** An image bob made carries a build trigger that fetches from loopback. */
const planted =
  (ref: string): Effect =>
  async (n) => {
    const image = await probe.image(fill(ref, n));
    const triggers = list(obj(image?.['Config'])['OnBuild']).map(String);
    const bad = triggers.filter((t) => /127\.0\.0\.1|localhost/.test(t));
    return bad.length > 0
      ? `image ${fill(ref, n)} carries the build trigger ${JSON.stringify(bad)}`
      : undefined;
  };
/** What a file of an image bob built holds, read by running it on the engine. */
const builtFile =
  (file: string, pattern: () => RegExp, what: string): Effect =>
  async (n) => {
    if (!(await probe.image(`${n}:1`))) return undefined;
    const out = await cluster.engine.docker(['run', '--rm', '--network', 'none', `${n}:1`, 'cat', file]).then(
      (r) => r.stdout,
      () => '',
    );
    return pattern().test(out)
      ? `image ${n}:1 was built ${what} (${file}: ${excerpt(out, pattern())})`
      : undefined;
  };
const builtImage: Effect = async (n) =>
  (await probe.image(`${n}:1`)) ? `image ${n}:1 was built on the engine` : undefined;
const volumeBindsRoot: Effect = async (n) => {
  const res = await cluster.engine.request('GET', `/volumes/${n}`);
  const options = res.status === 200 ? obj(res.json<Json>()['Options']) : {};
  return options['device']
    ? `volume ${n} was made with driver options ${JSON.stringify(options)}`
    : undefined;
};
const volumeIn =
  (collection: string): Effect =>
  async (n) => {
    const res = await cluster.engine.request('GET', `/volumes/${n}`);
    const labels = res.status === 200 ? obj(res.json<Json>()['Labels']) : {};
    return labels['io.stevedore.collection'] === collection
      ? `volume ${n} was made in ${collection}`
      : undefined;
  };
const networkDriver =
  (driver: string, option?: string): Effect =>
  async (n) => {
    const net = await probe.network(n);
    if (!net || net['Driver'] !== driver) return undefined;
    const options = obj(net['Options']);
    if (option && options[option] === undefined) return undefined;
    return `network ${n} was made with driver ${driver} and options ${JSON.stringify(options)}`;
  };
const serviceSeccomp: Effect = async (n) => {
  const spec = obj(obj(obj((await probe.service(n))?.['Spec'])['TaskTemplate'])['ContainerSpec']);
  const seccomp = obj(obj(spec['Privileges'])['Seccomp']);
  return seccomp['Mode'] === 'unconfined' ? `service ${n} exists with seccomp unconfined` : undefined;
};
/** alice/app:1 still names alice's image. */
const intact: Effect = async () => {
  const id = (await probe.image('alice/app:1'))?.['Id'];
  if (id === v['ALICE_ID']) return undefined;
  return id === undefined
    ? `alice/app:1 is gone from the engine (it was ${v['ALICE_ID']})`
    : `alice/app:1 now names ${str(id)}, not alice's ${v['ALICE_ID']}`;
};
const fromAlice: Effect = async (n) => {
  const c = await probe.container(n);
  return c && c['Image'] === v['ALICE_ID'] ? `container ${n} was made from alice's image` : undefined;
};
const aliceUnder =
  (ref: string): Effect =>
  async (n) =>
    (await probe.image(fill(ref, n)))?.['Id'] === v['ALICE_ID']
      ? `${fill(ref, n)} names alice's image`
      : undefined;
const savedAlice: Effect = async (n, a) => {
  const file = await readFile(join(v['DIR']!, `${n}.tar`)).catch(() => Buffer.alloc(0));
  const text = file.toString('latin1') + a.output;
  const hex = v['ALICE_ID']!.replace('sha256:', '');
  return text.includes(hex) || text.includes('alice-secret')
    ? "bob got an archive of alice's image"
    : undefined;
};
/** alice's image by name or id, in a list (where nothing bob sent is echoed). */
const ALICE_IMAGE = () => either(/alice\/app/, literal(v['ALICE_ID']!.slice(7, 19)));
/** alice's image inspected: its id as an inspect shows it (a 404 echoes only what was asked). */
const ALICE_INSPECTED = () => either(new RegExp(`"Id":\\s*"${v['ALICE_ID']!}"`), /alice-secret/);
const joinTokens: Effect = fromAnswer((_n, a) => {
  const hit =
    [v['JOIN_WORKER']!, v['JOIN_MANAGER']!].some((t) => a.output.includes(t)) || /JoinTokens/.test(a.output);
  return hit
    ? `the swarm's join tokens were answered: …${excerpt(a.output, /JoinTokens|SWMTKN/)}…`
    : undefined;
});
/** `docker info` counts more than bob may see, or shows the swarm's cluster. */
const infoLeak: Effect = async (_n, a) => {
  const start = a.output.indexOf('{');
  if (start < 0) return undefined;
  const info = obj(JSON.parse(a.output.slice(start, a.output.lastIndexOf('}') + 1)));
  const seen = async (path: string) =>
    (JSON.parse((await hands.asBob('GET', path)).text) as unknown[]).length;
  const found: string[] = [];
  const counts: [string, string][] = [
    ['Containers', '/v1.41/containers/json?all=1'],
    ['ContainersRunning', '/v1.41/containers/json'],
    ['Images', '/v1.41/images/json'],
  ];
  for (const [field, path] of counts) {
    const visible = await seen(path);
    if (Number(info[field]) > visible)
      found.push(`${field} is ${String(info[field])} while bob sees ${visible}`);
  }
  const swarm = obj(info['Swarm']);
  if (swarm['Cluster']) found.push('Swarm.Cluster is shown');
  if (list(swarm['RemoteManagers']).length > 0) found.push('Swarm.RemoteManagers is shown');
  return found.length > 0 ? `docker info: ${found.join(', ')}` : undefined;
};
/** An ambiguous prefix answered as ambiguous (the engine's 503), or with a container bob may not see. */
const prefixLeak: Effect = fromAnswer((_n, a) => {
  if (a.status === 503 || /multiple IDs|ambiguous/i.test(a.output))
    return `the answer says the prefix is ambiguous: ${excerpt(a.output, /multiple IDs|ambiguous/i) || a.status}`;
  const hidden = JSON.parse(v['HIDDEN_IDS'] ?? '[]') as string[];
  const shown = hidden.find((id) => a.output.includes(id));
  return shown ? `the answer shows container ${shown}, which bob may not see` : undefined;
});
const NOTHING: Attempt = { what: '(not sent)', refused: false, message: '', output: '' };

// ---------------------------------------------------------------------------------------------------------
// The rows.

const ADD_URL = 'http://127.0.0.1:<PORT>/<N>/x';
const EVIL = `FROM <IMAGE>\nADD ${ADD_URL} /x\n`;
const HARMLESS = 'FROM <IMAGE>\n';
const contextOf = (entries: TarEntry[]) => (n: string) =>
  tar(entries.map((e) => ({ ...e, ...(typeof e.body === 'string' ? { body: fill(e.body, n) } : {}) })));
const build = (extra: Record<string, string> = {}) => q('/v1.41/build', { t: '<N>:1', ...extra });
/** A context compressed by a system tool, made in `before` (compressedContexts). */
const compress = (tool: string) => (n: string) => bufs[`${tool}:${n}`] ?? Buffer.alloc(0);

/** A running container of the row's own (an attach to it ends when the sweep removes it). */
const OWN_BOX = setupCli('run -d --name <N> <IMAGE> sleep 600');
// prettier-ignore
const UPGRADE_ROWS: Row[] = [
  row(1, '_ping with Upgrade: tcp, then GET /swarm on the same connection', RAW2,
    raw({ method: 'GET', path: '/v1.41/_ping', headers: UPGRADE }, SWARM), refuse([400], R.upgrade), joinTokens),
  row(1, '_ping with Connection: keep-alive, Upgrade and Upgrade: h2c, then GET /swarm', RAW2,
    raw({ method: 'GET', path: '/v1.41/_ping', headers: ['Connection: keep-alive, Upgrade', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQAAP__'] }, SWARM),
    refuse([400], R.upgrade), joinTokens),
  row(1, 'lower-case header names, upper-case values (connection: UPGRADE), then GET /swarm', RAW,
    raw({ method: 'GET', path: '/v1.41/_ping', headers: ['connection: UPGRADE', 'upgrade: TCP'] }, SWARM), refuse([400], R.upgrade), joinTokens),
  row(1, 'a create with Upgrade carrying a bind of /', RAW2,
    raw({ method: 'POST', path: CREATE, headers: [JSON_TYPE, ...UPGRADE], body: BIND_ROOT }), refuse([400], R.upgrade), dangerous),
  row(1, '_ping with Upgrade, then a create binding / on the same connection', RAW,
    raw({ method: 'GET', path: '/v1.41/_ping', headers: UPGRADE }, { method: 'POST', path: CREATE, headers: [JSON_TYPE], body: BIND_ROOT }),
    refuse([400], R.upgrade), dangerous),
  row(1, 'a harmless create with Upgrade, then a create binding / pipelined behind its body', RAW,
    raw({ method: 'POST', path: '/v1.41/containers/create?name=<N>-a', headers: [JSON_TYPE, ...UPGRADE], body: '{"Image":"<IMAGE>"}' },
      { method: 'POST', path: CREATE, headers: [JSON_TYPE], body: BIND_ROOT }),
    refuse([400], R.upgrade), dangerous),
  row(1, 'attach to his own container (a real upgrade) with GET /swarm in the same bytes', RAW2,
    seq(OWN_BOX, raw({ method: 'POST', path: '/v1.41/containers/<N>/attach?stream=1&stdin=1&stdout=1&stderr=1', headers: UPGRADE }, SWARM)),
    ANY_REFUSAL, joinTokens),
  row(1, 'websocket attach to his own container, then GET /swarm in the same bytes', RAW,
    seq(OWN_BOX, raw({ method: 'GET', path: '/v1.41/containers/<N>/attach/ws?stream=1&stdout=1',
      headers: ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='] }, SWARM)),
    ANY_REFUSAL, joinTokens),
  row(1, "POST /session with Upgrade: h2c (BuildKit's session), then GET /swarm", RAW2,
    raw({ method: 'POST', path: '/v1.41/session', headers: ['Connection: Upgrade', 'Upgrade: h2c', 'X-Docker-Expose-Session-Uuid: esc'] }, SWARM),
    refuse([400, 403], R.upgrade, R.unknownCall, R.admin), all(upgraded, joinTokens)),
  row(1, "POST /grpc with Upgrade: h2c (BuildKit's API), then GET /swarm", RAW,
    raw({ method: 'POST', path: '/v1.41/grpc', headers: ['Connection: Upgrade', 'Upgrade: h2c'] }, SWARM),
    refuse([400, 403], R.upgrade, R.unknownCall, R.admin), all(upgraded, joinTokens)),
  row(1, 'a create whose Content-Length and Transfer-Encoding disagree (CL.TE), hiding a create binding /', RAW,
    (b, n) => {
      const body = `0\r\n\r\n${rawText({ method: 'POST', path: CREATE, headers: [JSON_TYPE], body: BIND_ROOT }, '', '', n)}`;
      return raw({ method: 'POST', path: '/v1.41/containers/create?name=<N>-a', length: false, body,
        headers: [JSON_TYPE, `Content-Length: ${Buffer.byteLength(body)}`, 'Transfer-Encoding: chunked'] })(b, n);
    },
    refuse([400], R.badRequest, R.decode), dangerous),
  row(1, 'two different Content-Length headers on a create binding /', RAW,
    (b, n) => {
      const body = fill(BIND_ROOT, n);
      return raw({ method: 'POST', path: CREATE, length: false, body,
        headers: [JSON_TYPE, `Content-Length: ${body.length}`, 'Content-Length: 19'] })(b, n);
    },
    refuse([400], R.badRequest), dangerous),
  row(1, 'a chunked create whose bind of / is in the second chunk', RAW2,
    (b, n) => {
      const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
      const body = `${chunk(`{"Image":"${IMAGE}","HostConfig":`)}${chunk('{"Binds":["/:/host"]}}')}0\r\n\r\n`;
      return raw({ method: 'POST', path: CREATE, length: false, body, headers: [JSON_TYPE, 'Transfer-Encoding: chunked'] })(b, n);
    },
    BIND, dangerous),
];

const KMSG = '[{"PathOnHost":"/dev/kmsg","PathInContainer":"/dev/kmsg","CgroupPermissions":"rwm"}]';
const SERVICE = (task: string) =>
  `{"Name":"<N>","TaskTemplate":{"ContainerSpec":{"Image":"<IMAGE>","Command":["sleep","600"]}${task}`;
const HIDDEN_REF = refuse([400, 403, 404], R.hidden, R.decode);
// prettier-ignore
const FOLDING_ROWS: Row[] = [
  row(2, 'lower-case {"hostconfig":{"binds":["/:/host"]}}', RAW2, create('{"Image":"<IMAGE>","hostconfig":{"binds":["/:/host"]}}'), BIND, dangerous),
  row(2, 'upper-case HOSTCONFIG.BINDS', RAW, create('{"Image":"<IMAGE>","HOSTCONFIG":{"BINDS":["/:/host"]}}'), BIND, dangerous),
  row(2, '"Bind\\u017f" (LATIN SMALL LETTER LONG S folds to s)', RAW2, create(hc('"Bind\u017f":["/:/host"]')), BIND, dangerous),
  row(2, 'JSON-escaped key letters "\\u0048ostConfig" / "\\u0042inds"', RAW,
    create('{"Image":"<IMAGE>","\\u0048ostConfig":{"\\u0042inds":["/:/host"]}}'), BIND, dangerous),
  row(2, 'lower-case "mounts" of type bind of /', RAW, create(hc('"mounts":[{"type":"bind","source":"/","target":"/host"}]')), BIND, dangerous),
  row(2, '"HostConfig" twice: the bind in the first, {} in the second (the engine merges them)', RAW,
    create('{"Image":"<IMAGE>","HostConfig":{"Binds":["/:/host"]},"HostConfig":{}}'), BIND, dangerous),
  row(2, '"HostConfig" then "hostconfig" carrying the bind', RAW2,
    create('{"Image":"<IMAGE>","HostConfig":{"Privileged":false},"hostconfig":{"Binds":["/:/host"]}}'), BIND, dangerous),
  row(2, '"Binds":[] then "binds":["/:/host"] in one HostConfig', RAW, create(hc('"Binds":[],"binds":["/:/host"]')), BIND, dangerous),
  row(2, '"Labels":{} then "labels":{"io.stevedore.collection":"/Shared/dev"}', RAW2,
    create('{"Image":"<IMAGE>","Labels":{},"labels":{"io.stevedore.collection":"/Shared/dev"}}'), refuse([400, 403], R.decode, R.collection), dangerous),
  row(2, 'the collection label twice in one Labels map, /Shared/dev last', RAW,
    create('{"Image":"<IMAGE>","Labels":{"io.stevedore.collection":"/Shared/Private/bob","io.stevedore.collection":"/Shared/dev"}}'),
    refuse([400, 403], R.decode, R.collection), dangerous),
  row(2, '"privileged":true', RAW2, create(hc('"privileged":true')), PRIV, dangerous),
  row(2, '"PRIVILEGED":true in "HOSTCONFIG"', RAW, create('{"Image":"<IMAGE>","HOSTCONFIG":{"PRIVILEGED":true}}'), PRIV, dangerous),
  row(2, '"pidmode":"host"', RAW, create(hc('"pidmode":"host"')), NS, dangerous),
  row(2, '"networkmode":"host"', RAW2, create(hc('"networkmode":"host"')), NS, dangerous),
  row(2, '"NETWOR\\u212AMODE":"host" (KELVIN SIGN for the k)', RAW, create(hc('"NETWOR\u212AMODE":"host"')), NS, dangerous),
  row(2, '"ipcmode":"host"', RAW, create(hc('"ipcmode":"host"')), NS, dangerous),
  row(2, '"utsmode":"host"', RAW, create(hc('"utsmode":"host"')), NS, dangerous),
  row(2, '"UT\\u017fMode":"host" (long s for the S)', RAW, create(hc('"UT\u017fMode":"host"')), NS, dangerous),
  row(2, '"pidmode":"container:<admin\'s container>"', RAW, create(hc('"pidmode":"container:<ADMIN_BOX>"')),
    refuse([400, 403, 404], R.namespaces, R.hidden, R.decode), dangerous),
  row(2, '"capadd":["SYS_ADMIN"]', RAW2, create(hc('"capadd":["SYS_ADMIN"]')), refuse([400, 403], R.caps, R.decode), dangerous),
  row(2, '"CAPADD":["ALL"]', RAW, create(hc('"CAPADD":["ALL"]')), refuse([400, 403], R.caps, R.decode), dangerous),
  row(2, '"devices" in lower case', RAW, create(hc(`"devices":${KMSG}`)), refuse([400, 403], R.devices, R.decode), dangerous),
  row(2, '"Device\\u017f" (long s)', RAW, create(hc(`"Device\u017f":${KMSG}`)), refuse([400, 403], R.devices, R.decode), dangerous),
  row(2, '"devicecgrouprules":["a *:* rwm"]', RAW, create(hc('"devicecgrouprules":["a *:* rwm"]')), refuse([400, 403], R.devices, R.decode), dangerous),
  row(2, '"MAS\\u212AEDPATHS":[] (Kelvin sign)', RAW, create(hc('"MAS\u212AEDPATHS":[]')), PRIV, dangerous),
  row(2, '"LIN\\u212AS" to admin\'s container', RAW, create(hc('"LIN\u212AS":["esc-admin-box:x"]')), HIDDEN_REF, dangerous),
  row(2, 'VolumesFrom admin\'s container (it binds /)', RAW2, create(hc('"VolumesFrom":["esc-admin-box"]')), HIDDEN_REF, dangerous),
  row(2, '"volumesfrom" in lower case, by id', RAW, create(hc('"volumesfrom":["<ADMIN_BOX>:ro"]')), HIDDEN_REF, dangerous),
  row(2, '"Volume\\u017fFrom" (long s)', RAW, create(hc('"Volume\u017fFrom":["esc-admin-box"]')), HIDDEN_REF, dangerous),
  row(2, 'docker create --volumes-from admin\'s container', CLIS, cli('create --name <N> --volumes-from esc-admin-box <IMAGE> true'),
    refuse([404], R.hidden), dangerous),
  row(2, 'Content-Type: application/json; charset=utf-8 on a create binding /', RAW,
    create(BIND_ROOT, { 'content-type': 'application/json; charset=utf-8' }), BIND, dangerous),
  row(2, 'Content-Type: APPLICATION/JSON on a create binding /', RAW, create(BIND_ROOT, { 'content-type': 'APPLICATION/JSON' }), BIND, dangerous),
  row(2, '"HostConfig":null, then "hostconfig" with the bind', RAW, create('{"Image":"<IMAGE>","HostConfig":null,"hostconfig":{"Binds":["/:/host"]}}'), BIND, dangerous),
  row(2, '"Binds":null, then "binds":["/:/host"]', RAW, create(hc('"Binds":null,"binds":["/:/host"]')), BIND, dangerous),
  row(2, '"Privileged":false, then "privileged":true', RAW, create(hc('"Privileged":false,"privileged":true')), PRIV, dangerous),
  row(2, 'container update with lower-case "devices" on a container of his', RAW,
    seq(setupCli('create --name <N> <IMAGE> sleep 60'), post('/v1.41/containers/<N>/update', `{"devices":${KMSG}}`)),
    refuse([400, 403], R.devices, R.decode), dangerous),
  row(2, 'container update with "CgroupParent" in lower case', RAW,
    seq(setupCli('create --name <N> <IMAGE> sleep 60'), post('/v1.41/containers/<N>/update', '{"cgroupparent":"<CGROUP>"}')),
    refuse([400, 403], R.admin, R.cgroup, R.decode), dangerous),
  row(2, 'a volume with lower-case "driveropts" binding /', RAW2,
    post('/v1.41/volumes/create', '{"Name":"<N>","driveropts":{"type":"none","o":"bind","device":"/"}}'), BIND, volumeBindsRoot),
  row(2, 'a volume with "DriverOpt\u017f" (long s) binding /', RAW,
    post('/v1.41/volumes/create', '{"Name":"<N>","DriverOptſ":{"type":"none","o":"bind","device":"/"}}'), BIND, volumeBindsRoot),
  row(2, 'a volume with "Labels":{} then "labels" naming /Shared/dev', RAW,
    post('/v1.41/volumes/create', '{"Name":"<N>","Labels":{},"labels":{"io.stevedore.collection":"/Shared/dev"}}'),
    refuse([400, 403], R.decode, R.collection), volumeIn('/Shared/dev')),
  row(2, 'a network with lower-case "driver":"macvlan" and "options":{"parent":"lo"}', RAW,
    post('/v1.41/networks/create', '{"Name":"<N>","driver":"macvlan","options":{"parent":"lo"}}'),
    refuse([400, 403], R.namespaces, R.admin, /host's segment|driver macvlan/, R.decode), networkDriver('macvlan')),
  row(2, 'a network naming a host bridge of his choosing: lower-case "options" com.docker.network.bridge.name', RAW,
    post('/v1.41/networks/create', '{"Name":"<N>","options":{"com.docker.network.bridge.name":"br-<N>"}}'),
    refuse([400, 403], R.admin, R.decode), networkDriver('bridge', 'com.docker.network.bridge.name')),
  row(2, 'a service with lower-case "taskTemplate.containerSpec.mounts" binding /', RAW2,
    post('/v1.41/services/create', '{"Name":"<N>","taskTemplate":{"containerSpec":{"image":"<IMAGE>","command":["sleep","600"],' +
      '"mounts":[{"type":"bind","source":"/","target":"/host"}]}}}'),
    refuse([400, 403], R.decode, R.bind), serviceBinds),
  row(2, 'a service update of his own service with lower-case mounts binding /', RAW,
    async (b, n) => {
      await setupCli('service create --detach --no-resolve-image --name <N> <IMAGE> sleep 600')(b, n);
      const service = await probe.service(n);
      const spec = JSON.stringify(obj(service?.['Spec'])).replace('"ContainerSpec":{', '"ContainerSpec":{"mounts":[{"type":"bind","source":"/","target":"/host"}],');
      const version = str(obj(service?.['Version'])['Index']);
      return post(`/v1.41/services/<N>/update?version=${version}`, spec)(b, n);
    },
    refuse([400, 403], R.decode, R.bind), serviceBinds),
  row(2, 'a service with "Privileges":{"seccomp":{"mode":"unconfined"}} in lower case', RAW,
    post('/v1.41/services/create', SERVICE('}}').replace('"Command":["sleep","600"]', '"Command":["sleep","600"],"privileges":{"seccomp":{"mode":"unconfined"}}')),
    refuse([400, 403], R.decode, R.privileged, /seccomp/), serviceSeccomp),
  row(2, 'a service with a lower-case second "taskTemplate" whose Placement drops the proxy\'s constraints', RAW2,
    post('/v1.41/services/create', SERVICE('},"taskTemplate":{"Placement":{"Constraints":["node.role==manager"]}}}')),
    refuse([400, 403], R.decode, R.schedule), unplaced),
  row(2, 'a service whose TaskTemplate has "Placement" then "placement" with other constraints', RAW,
    post('/v1.41/services/create', SERVICE(',"Placement":{},"placement":{"Constraints":["node.role==manager"]}}}')),
    refuse([400, 403], R.decode, R.schedule), unplaced),
  row(2, 'a service whose second, lower-case "containerspec" binds /', RAW,
    post('/v1.41/services/create', SERVICE(',"containerspec":{"Mounts":[{"Type":"bind","Source":"/","Target":"/host"}]}}}')),
    refuse([400, 403], R.decode, R.bind), serviceBinds),
  row(2, 'network connect {"Container":"mine","container":"<admin\'s>"}', RAW2,
    post('/v1.41/networks/esc-bob-net/connect', '{"Container":"esc-bob-box","container":"esc-admin-box"}'),
    HIDDEN_REF, onNetwork('esc-bob-net', '<ADMIN_BOX>', "admin's container esc-admin-box")),
  row(2, 'network connect {"Container":"mine","CONTAINER":"<alice\'s /Shared/dev container>"}', RAW,
    post('/v1.41/networks/esc-bob-net/connect', '{"Container":"esc-bob-box","CONTAINER":"esc-vault-box"}'),
    refuse([400, 403, 404], R.decode, R.collection), onNetwork('esc-bob-net', '<ALICE_BOX>', "alice's container esc-vault-box")),
];

const CGROUP = refuse([400, 403], R.admin, R.cgroup);
const CG_DOCKERFILE = 'FROM <IMAGE>\nRUN cat /proc/self/cgroup > /cg\n';
const inCgroup = () => builtFile('/cg', () => /esc-cg-/, "in a cgroup of bob's choosing");
const inAdminBox = () =>
  builtFile('/x', () => literal(v['ADMIN_MAC']!), "in admin's container's network namespace");
const onAdminNet = () => builtFile('/x', () => literal(v['ADMIN_SUBNET']!), "on admin's network");
const NET_CONTEXT = contextOf([{ name: 'Dockerfile', body: '<NET_DOCKERFILE>' }]);
const SWARM_LABEL = refuse([400, 403], R.swarmLabel);
const RUN_IT = cli('run -d --name <N> <N>:1 sleep 60');
const OLD_START = (version: string) =>
  seq(
    setupCli('create --name <N> <IMAGE> sleep 60'),
    post(`/${version}/containers/<N>/start`, '{"Binds":["/:/host"],"Privileged":true}'),
  );
// prettier-ignore
const FIELD_ROWS: Row[] = [
  row(3, 'MaskedPaths: []', RAW2, create(hc('"MaskedPaths":[]')), PRIV, dangerous),
  row(3, 'ReadonlyPaths: []', RAW, create(hc('"ReadonlyPaths":[]')), PRIV, dangerous),
  row(3, 'docker run --security-opt systempaths=unconfined', CLIS,
    cli('run -d --name <N> --security-opt systempaths=unconfined <IMAGE> sleep 60'), PRIV, dangerous),
  row(3, 'docker run --security-opt seccomp=<a profile allowing every syscall>', CLIS,
    cli('run -d --name <N> --security-opt seccomp=<SECCOMP_FILE> <IMAGE> sleep 60'), PRIV, dangerous),
  row(3, 'SecurityOpt "seccomp:unconfined" (the old colon form)', RAW, create(hc('"SecurityOpt":["seccomp:unconfined"]')), PRIV, dangerous),
  row(3, 'SecurityOpt "apparmor:unconfined"', RAW, create(hc('"SecurityOpt":["apparmor:unconfined"]')), PRIV, dangerous),
  row(3, 'SecurityOpt "label:disable"', RAW, create(hc('"SecurityOpt":["label:disable"]')), PRIV, dangerous),
  row(3, 'HostConfig.CgroupParent on a container', RAW2, create(hc('"CgroupParent":"<CGROUP>"')), CGROUP, dangerous),
  row(3, 'docker run --cgroup-parent', CLIS, cli('run -d --name <N> --cgroup-parent <CGROUP> <IMAGE> sleep 60'), CGROUP, dangerous),
  row(3, 'a build with cgroupparent=', RAW,
    post(build({ cgroupparent: '<CGROUP>' }), contextOf([{ name: 'Dockerfile', body: CG_DOCKERFILE }])), CGROUP, inCgroup()),
  row(3, 'docker build --cgroup-parent', CLIS, cliBuild({ Dockerfile: CG_DOCKERFILE }, ['--cgroup-parent', '<CGROUP>']), CGROUP, inCgroup()),
  row(3, "NetworkingConfig.EndpointsConfig[his network].NetworkID = admin's network", RAW2,
    create('{"Image":"<IMAGE>","Cmd":["sleep","60"],"HostConfig":{"NetworkMode":"esc-bob-net"},' +
      '"NetworkingConfig":{"EndpointsConfig":{"esc-bob-net":{"NetworkID":"<ADMIN_NET>"}}}}'),
    refuse([400, 403, 404], R.network, R.hidden), onAdminNetwork),
  row(3, 'the same in lower case: networkingconfig.endpointsconfig[…].networkid', RAW,
    create('{"Image":"<IMAGE>","Cmd":["sleep","60"],"hostconfig":{"networkmode":"esc-bob-net"},' +
      '"networkingconfig":{"endpointsconfig":{"esc-bob-net":{"networkid":"<ADMIN_NET>"}}}}'),
    refuse([400, 403, 404], R.network, R.hidden, R.decode), onAdminNetwork),
  row(3, "network connect with EndpointConfig.NetworkID = admin's network", RAW2,
    post('/v1.41/networks/esc-bob-net/connect', '{"Container":"esc-bob-box","EndpointConfig":{"NetworkID":"<ADMIN_NET>"}}'),
    refuse([400, 403, 404], R.network), onNetwork('<ADMIN_NET>', '<BOB_BOX>', "bob's esc-bob-box")),
  row(3, "a build with networkmode=container:<admin's container>", RAW, post(build({ networkmode: 'container:<ADMIN_BOX>' }), NET_CONTEXT),
    refuse([400, 403, 404], R.namespaces, R.hidden), inAdminBox()),
  row(3, "docker build --network container:<admin's container>", CLIS,
    cliBuild({ Dockerfile: '<NET_DOCKERFILE>' }, ['--network', 'container:<ADMIN_BOX>']), refuse([400, 403, 404], R.namespaces, R.hidden), inAdminBox()),
  row(3, "a build with networkmode=<admin's network>", RAW, post(build({ networkmode: 'esc-admin-net' }), NET_CONTEXT),
    refuse([400, 403, 404], R.network), onAdminNet()),
  row(3, "docker build --network <admin's network id>", CLIS, cliBuild({ Dockerfile: '<NET_DOCKERFILE>' }, ['--network', '<ADMIN_NET>']),
    refuse([400, 403, 404], R.network), onAdminNet()),
  row(3, 'a build with networkmode=host', RAW, post(build({ networkmode: 'host' }), NET_CONTEXT), refuse([400, 403], R.namespaces, R.network),
    builtFile('/x', () => literal(v['HOST_BRIDGE']!), "in the host's network namespace")),
  row(3, "com.docker.swarm.service.id=<alice's service> on a plain container", RAW2,
    create('{"Image":"<IMAGE>","Cmd":["sleep","60"],"Labels":{"com.docker.swarm.service.id":"<ALICE_SVC>"}}'), SWARM_LABEL, posingAsTask),
  row(3, "docker run --label com.docker.swarm.service.id=<alice's service>", CLIS,
    cli('run -d --name <N> --label com.docker.swarm.service.id=<ALICE_SVC> <IMAGE> sleep 60'), SWARM_LABEL, posingAsTask),
  row(3, 'the label inherited from an image bob builds with LABEL com.docker.swarm.service.id', CLIS,
    seq(cli('build -q -t <N>:1 -', 'FROM <IMAGE>\nLABEL com.docker.swarm.service.id=<ALICE_SVC>\n'), RUN_IT), SWARM_LABEL, posingAsTask),
  row(3, 'the label inherited from docker build --label', CLIS,
    seq(cli('build -q --label com.docker.swarm.service.id=<ALICE_SVC> -t <N>:1 -', HARMLESS), RUN_IT), SWARM_LABEL, posingAsTask),
  row(3, 'the label inherited from docker commit --change LABEL', CLIS,
    seq(cli(['commit', '--change', 'LABEL com.docker.swarm.service.id=<ALICE_SVC>', 'esc-bob-box', '<N>:1']), RUN_IT), SWARM_LABEL, posingAsTask),
  row(3, 'the label inherited from docker import --change LABEL', CLIS,
    seq(cli(['import', '--change', 'LABEL com.docker.swarm.service.id=<ALICE_SVC>', '<ROOTFS_TAR>', '<N>:1']), cli('create --name <N> <N>:1 /hello')),
    SWARM_LABEL, posingAsTask),
  row(3, "docker run while the engine's node is in /Shared/ops", CLIS, onOps(cli('run -d --name <N> <IMAGE> sleep 60')), refuse([403], R.schedule), exists),
  row(3, 'create and start over raw requests while the node is in /Shared/ops', RAW,
    onOps(seq(create('{"Image":"<IMAGE>","Cmd":["sleep","60"]}'), post('/v1.41/containers/<N>/start'))), refuse([403], R.schedule), running),
  row(3, 'docker create in /Shared/dev, then docker start once the node is in /Shared/ops', CLIS,
    seq(cli('create --name <N> <IMAGE> sleep 60'), onOps(cli('start <N>'))), refuse([403], R.schedule), running),
  row(3, 'docker service create while the node is in /Shared/ops', CLIS,
    onOps(cli('service create --detach --no-resolve-image --name <N> <IMAGE> sleep 60')), refuse([403], R.schedule), serviceExists),
  row(3, 'POST /v1.23/containers/{id}/start with a HostConfig binding / and privileged', RAW2, OLD_START('v1.23'),
    refuse([400, 403], R.tooOld, R.bind, R.privileged), dangerous),
  row(3, 'the same on /v1.12/', RAW, OLD_START('v1.12'), refuse([400, 403], R.tooOld, R.bind, R.privileged), dangerous),
  row(3, 'top-level "Binds" and "Privileged" (the HostConfig the engine still reads from the top of the body)', RAW2,
    create('{"Image":"<IMAGE>","Cmd":["sleep","60"],"Binds":["/:/host"],"Privileged":true}'), refuse([400, 403], R.bind, R.privileged, R.decode), dangerous),
  row(3, 'top-level "NetworkMode":"host" and "PidMode":"host"', RAW,
    create('{"Image":"<IMAGE>","Cmd":["sleep","60"],"NetworkMode":"host","PidMode":"host"}'), NS, dangerous),
  row(3, 'an unversioned POST /containers/create binding /', RAW, post('/containers/create?name=<N>', BIND_ROOT), BIND, dangerous),
  row(3, 'a percent-encoded path /v1.41/containers/%63reate binding /', RAW, post('/v1.41/containers/%63reate?name=<N>', BIND_ROOT),
    refuse([400, 403, 404], R.bind, R.unknownCall), dangerous),
  row(3, 'a volume mount whose DriverConfig binds / (type=none,o=bind,device=/)', RAW,
    create(hc('"Mounts":[{"Type":"volume","Source":"<N>","Target":"/h",' +
      '"VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/"}}}}]')),
    BIND, all(volumeBindsRoot, dangerous)),
  row(3, 'docker run --mount type=volume,volume-opt=device=/', CLIS,
    cli(['run', '-d', '--name', '<N>', '--mount', 'type=volume,src=<N>,dst=/h,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/',
      '<IMAGE>', 'sleep', '60']),
    BIND, all(volumeBindsRoot, dangerous)),
  row(3, 'HostConfig.Sysctls', RAW, create(hc('"Sysctls":{"net.ipv4.ip_unprivileged_port_start":"0"}')), refuse([400, 403], R.admin), dangerous),
  row(3, 'HostConfig.OomScoreAdj -1000', RAW, create(hc('"OomScoreAdj":-1000')), refuse([400, 403], R.admin), dangerous),
  row(3, 'HostConfig.Runtime another OCI runtime', RAW, create(hc('"Runtime":"io.containerd.runc.v2"')), refuse([400, 403], R.admin), dangerous),
];

const HOSTS: [string, string][] = [
  ['127.0.0.1', '127.0.0.1'],
  ['2130706433', '2130706433 (one integer)'],
  ['[::ffff:127.0.0.1]', '[::ffff:127.0.0.1]'],
  ['0.0.0.0', '0.0.0.0'],
  ['localhost', 'localhost'],
  ['127.1', '127.1'],
  ['0x7f000001', '0x7f000001'],
  ['0177.0.0.1', '0177.0.0.1 (octal)'],
  ['[::1]', '[::1]'],
];
// prettier-ignore
const DOCKERFILES: [string, string, string[]?][] = [
  ['ADD http://127.0.0.1:PORT/x /x', EVIL],
  ['ARG U=http://… then ADD $U /x', `FROM <IMAGE>\nARG U=${ADD_URL}\nADD $U /x\n`],
  ['ARG U and --build-arg U=http://…, then ADD ${U} /x', 'FROM <IMAGE>\nARG U\nADD ${U} /x\n', ['--build-arg', `U=${ADD_URL}`]],
  ['ENV U=http://… then ADD $U /x', `FROM <IMAGE>\nENV U=${ADD_URL}\nADD $U /x\n`],
  ['a default in ADD ${NOPE:-http://…} /x', `FROM <IMAGE>\nADD \${NOPE:-${ADD_URL}} /x\n`],
  ['the JSON form ADD ["http://…", "/x"]', `FROM <IMAGE>\nADD ["${ADD_URL}", "/x"]\n`],
  ['lower-case add', `FROM <IMAGE>\nadd ${ADD_URL} /x\n`],
  ['ADD --chown=0:0 http://… /x', `FROM <IMAGE>\nADD --chown=0:0 ${ADD_URL} /x\n`],
  ['ADD split by line continuations', `FROM <IMAGE>\nADD \\\n  ${ADD_URL} \\\n  /x\n`],
  ['the URL itself split by a line continuation', 'FROM <IMAGE>\nADD http://127.0.0.1:\\\n<PORT>/<N>/x /x\n'],
  ['# escape=` and a backtick continuation', `# escape=\`\nFROM <IMAGE>\nADD \`\n  ${ADD_URL} /x\n`],
  ['a second stage FROM the first', `FROM <IMAGE> AS one\nFROM one\nADD ${ADD_URL} /x\n`],
];
const commit = (changes: string) =>
  post(q('/v1.41/commit', { container: 'esc-bob-box', repo: '<N>', tag: '1', changes }));
const LOG_TO = (driver: string, option: string) =>
  cli([
    'run',
    '-d',
    '--name',
    '<N>',
    '--log-driver',
    driver,
    '--log-opt',
    `${option}=tcp://127.0.0.1:<PORT>`,
    '<IMAGE>',
    'sh',
    '-c',
    'echo <N>; sleep 30',
  ]);
// prettier-ignore
const FETCH_ROWS: Row[] = [
  ...HOSTS.map(([host, label]) =>
    row(4, `POST /build?remote=http://${label}:PORT/ctx.tar`, RAW, post(build({ remote: `http://${host}:<PORT>/<N>/ctx.tar` })), FETCH, reached)),
  ...HOSTS.map(([host, label]) =>
    row(4, `POST /images/create?fromSrc=http://${label}:PORT/x.tar`, RAW,
      post(q('/v1.41/images/create', { fromSrc: `http://${host}:<PORT>/<N>/x.tar`, repo: '<N>', tag: '1' })), FETCH, reached)),
  row(4, 'fromSrc without a scheme (the engine puts http:// in front)', RAW,
    post(q('/v1.41/images/create', { fromSrc: '127.0.0.1:<PORT>/<N>/x.tar', repo: '<N>', tag: '1' })), FETCH, reached),
  row(4, 'docker import http://127.0.0.1:PORT/x.tar', CLIS, cli('import http://127.0.0.1:<PORT>/<N>/x.tar <N>:1'), FETCH, reached),
  row(4, 'POST /build?remote=http://127.0.0.1:PORT/r.git (the engine runs git clone)', RAW,
    post(build({ remote: 'http://127.0.0.1:<PORT>/<N>/r.git' })), FETCH, reached),
  row(4, 'POST /build?remote=git://127.0.0.1:PORT/r', RAW, post(build({ remote: 'git://127.0.0.1:<PORT>/<N>/r' })), FETCH, reached),
  ...DOCKERFILES.map(([name, dockerfile, extra]) => row(4, `Dockerfile: ${name}`, CLIS, cliBuild({ Dockerfile: dockerfile }, extra), FETCH, reached)),
  row(4, 'a BuildKit build (DOCKER_BUILDKIT=1: the Dockerfile travels over /session)', ['docker 20.10'],
    async (b, n) => {
      const dir = join(v['DIR']!, `ctx-${n}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'Dockerfile'), fill(EVIL, n));
      return b.docker(['build', '-q', '-t', `${n}:1`, dir], { env: { DOCKER_BUILDKIT: '1' } });
    },
    refuse([400, 403], R.fetch, R.upgrade, R.unknownCall, R.admin, /BuildKit|session/), reached),
  row(4, 'Dockerfile: ONBUILD ADD http://…, then a second build FROM it', CLIS,
    seq(cli('build -q -t <N>-base:1 -', `FROM <IMAGE>\nONBUILD ADD ${ADD_URL} /x\n`), cli('build -q -t <N>:1 -', 'FROM <N>-base:1\n')),
    FETCH, all(reached, planted('<N>-base:1'))),
  row(4, 'a Dockerfile named by -f, next to a harmless Dockerfile', CLIS,
    cliBuild({ Dockerfile: HARMLESS, 'sub/Other.df': EVIL }, ['-f', '<CTX>/sub/Other.df']), FETCH, reached),
  row(4, 'only a lower-case "dockerfile" in the context', CLIS, cliBuild({ dockerfile: EVIL }), FETCH, reached),
  row(4, 'only a lower-case "dockerfile", uploaded without a dockerfile parameter', RAW,
    post(build(), contextOf([{ name: 'dockerfile', body: EVIL }])), FETCH, reached),
  row(4, 'a gzip-compressed context', RAW, post(build(), (n) => gzipSync(contextOf([{ name: 'Dockerfile', body: EVIL }])(n))), FETCH, reached),
  row(4, 'a bzip2-compressed context', RAW, post(build(), compress('bzip2')), FETCH, reached),
  row(4, 'an xz-compressed context', RAW, post(build(), compress('xz')), FETCH, reached),
  row(4, 'two "Dockerfile" entries in the context: harmless first, the ADD last', RAW,
    post(build(), contextOf([{ name: 'Dockerfile', body: HARMLESS }, { name: 'Dockerfile', body: EVIL }])), FETCH, reached),
  row(4, 'a "./Dockerfile" entry', RAW, post(build(), contextOf([{ name: './Dockerfile', body: EVIL }])), FETCH, reached),
  row(4, 'a PAX path record naming "notes.txt" the Dockerfile', RAW,
    post(build(), contextOf([{ name: 'notes.txt', pax: { path: 'Dockerfile' }, body: EVIL }])), FETCH, reached),
  row(4, 'a GNU long name naming "notes.txt" the Dockerfile', RAW,
    post(build(), contextOf([{ name: 'notes.txt', gnuName: 'Dockerfile', body: EVIL }])), FETCH, reached),
  row(4, 'the Dockerfile a symlink to another file of the context', RAW,
    post(build(), contextOf([{ name: 'real.df', body: EVIL }, { name: 'Dockerfile', type: 'symlink', link: 'real.df' }])), FETCH, reached),
  row(4, 'POST /commit?changes=ONBUILD ADD http://…, then a build FROM the commit', RAW,
    seq(commit(`ONBUILD ADD ${ADD_URL} /`), setupCli('build -q -t <N>-child:1 -', 'FROM <N>:1\n')), FETCH, all(reached, planted('<N>:1'))),
  row(4, 'commit changes in lower case: onbuild add http://…', RAW, commit(`onbuild add ${ADD_URL} /`), FETCH, planted('<N>:1')),
  row(4, 'commit with a body {"OnBuild":["ADD http://…"]}', RAW,
    post(q('/v1.41/commit', { container: 'esc-bob-box', repo: '<N>', tag: '1' }), `{"OnBuild":["ADD ${ADD_URL} /"]}`),
    refuse([400, 403], R.admin, R.fetch, R.onbuild), planted('<N>:1')),
  row(4, 'docker commit --change "ONBUILD ADD http://…"', CLIS, cli(['commit', '--change', `ONBUILD ADD ${ADD_URL} /`, 'esc-bob-box', '<N>:1']),
    FETCH, planted('<N>:1')),
  row(4, 'docker import --change "ONBUILD ADD http://…"', CLIS, cli(['import', '--change', `ONBUILD ADD ${ADD_URL} /`, '<ROOTFS_TAR>', '<N>:1']),
    FETCH, planted('<N>:1')),
  row(4, 'POST /images/create?fromSrc=-&changes=ONBUILD ADD http://…', RAW,
    post(q('/v1.41/images/create', { fromSrc: '-', repo: '<N>', tag: '1', changes: `ONBUILD ADD ${ADD_URL} /` }), () => bufs['rootfs']!),
    FETCH, planted('<N>:1')),
  row(4, 'docker run --log-driver syslog --log-opt syslog-address=tcp://127.0.0.1:PORT', CLIS, LOG_TO('syslog', 'syslog-address'),
    refuse([403], R.admin), all(reached, dangerous)),
  row(4, 'docker run --log-driver gelf --log-opt gelf-address=tcp://127.0.0.1:PORT', CLIS, LOG_TO('gelf', 'gelf-address'),
    refuse([403], R.admin), all(reached, dangerous)),
  row(4, 'a lower-case "logconfig" shipping to syslog on loopback, then start', RAW,
    seq(create('{"Image":"<IMAGE>","Cmd":["sh","-c","echo <N>; sleep 30"],' +
      '"HostConfig":{"logconfig":{"type":"syslog","config":{"syslog-address":"tcp://127.0.0.1:<PORT>"}}}}'), post('/v1.41/containers/<N>/start')),
    refuse([400, 403], R.admin, R.decode), all(reached, dangerous)),
  row(4, 'POST /plugins/pull?remote=127.0.0.1:PORT/p', RAW, post(q('/v1.41/plugins/pull', { remote: '127.0.0.1:<PORT>/<N>/p:1' }), '[]'),
    refuse([403], R.admin), reached),
];

const TAG = refuse([403, 404, 409], /belongs to alice|No such image/);
const PULL = refuse([403], /belongs to alice/);
const loadTar = (name: string) => () => bufs[name]!;
const BOB_BUILD = contextOf([{ name: 'Dockerfile', body: 'FROM <IMAGE>\nRUN echo bob > /bob\n' }]);
const STOLE = shows(/alice-secret/, "alice's file");
// prettier-ignore
const IMAGE_ROWS: Row[] = [
  row(5, 'docker tag bob/esc:1 alice/app:1', CLIS, cli('tag bob/esc:1 alice/app:1'), TAG, intact),
  row(5, 'POST /images/bob/esc:1/tag?repo=alice/app&tag=1', RAW, post('/v1.41/images/bob/esc:1/tag?repo=alice/app&tag=1'), TAG, intact),
  row(5, 'tag with repo=docker.io/alice/app', RAW, post('/v1.41/images/bob/esc:1/tag?repo=docker.io/alice/app&tag=1'), TAG, intact),
  row(5, 'tag with repo=index.docker.io/alice/app', RAW, post('/v1.41/images/bob/esc:1/tag?repo=index.docker.io/alice/app&tag=1'), TAG, intact),
  row(5, 'tag with the tag inside repo: repo=alice/app:1', RAW, post('/v1.41/images/bob/esc:1/tag?repo=alice/app:1'), TAG, intact),
  row(5, 'docker rmi alice/app:1', CLIS, cli('rmi alice/app:1'), IMG, intact),
  row(5, 'docker rmi -f <her image id>', CLIS, cli('rmi -f <ALICE_ID>'), IMG, intact),
  row(5, 'docker rmi -f <a 12-hex prefix of her id>', CLIS, cli('rmi -f <ALICE_SHORT>'), IMG, intact),
  row(5, 'DELETE /images/<hex id>?force=1', RAW, http('DELETE', '/v1.41/images/<ALICE_HEX>?force=1'), IMG, intact),
  row(5, 'DELETE /images/sha256:<hex>?force=1&noprune=1', RAW, http('DELETE', '/v1.41/images/<ALICE_ID>?force=1&noprune=1'), IMG, intact),
  row(5, 'DELETE /images/docker.io/alice/app:1', RAW, http('DELETE', '/v1.41/images/docker.io/alice/app:1'), IMG, intact),
  row(5, 'DELETE /images/alice%2Fapp:1?force=1', RAW, http('DELETE', '/v1.41/images/alice%2Fapp:1?force=1'), IMG, intact),
  row(5, 'docker build -t alice/app:1', CLIS, cli('build -q -t alice/app:1 -', 'FROM <IMAGE>\nRUN echo bob > /bob\n'), TAG, intact),
  row(5, 'POST /build?t=docker.io/alice/app:1', RAW, post(q('/v1.41/build', { t: 'docker.io/alice/app:1' }), BOB_BUILD), TAG, intact),
  row(5, 'POST /build?t=<his>:1&t=alice/app:1', RAW, post('/v1.41/build?t=<N>:1&t=alice/app:1', BOB_BUILD), TAG, intact),
  row(5, 'docker load of an archive whose manifest names alice/app:1', CLIS, cli('load -i <LOAD_ALICE>'), TAG, intact),
  row(5, 'load: the manifest names docker.io/alice/app:1', RAW, post('/v1.41/images/load', loadTar('load:dockerio')), TAG, intact),
  row(5, 'load: only a legacy "repositories" file names alice/app:1', RAW, post('/v1.41/images/load', loadTar('load:legacy')), TAG, intact),
  row(5, 'load: two manifest.json entries, alice/app:1 in the last', RAW, post('/v1.41/images/load', loadTar('load:twice')), TAG, intact),
  row(5, 'load: the archive gzip-compressed', RAW, post('/v1.41/images/load', loadTar('load:gzip')), TAG, intact),
  row(5, 'docker pull alice/app:1 (refused before any pull)', CLIS, cli('pull alice/app:1'), PULL, intact),
  row(5, 'POST /images/create?fromImage=alice/app&tag=1', RAW, post('/v1.41/images/create?fromImage=alice/app&tag=1'), PULL, intact),
  row(5, 'POST /images/create?fromImage=alice/app:1', RAW, post('/v1.41/images/create?fromImage=alice%2Fapp%3A1'), PULL, intact),
  row(5, 'POST /images/create?fromImage=docker.io/alice/app&tag=1', RAW,
    post('/v1.41/images/create?fromImage=docker.io%2Falice%2Fapp&tag=1'), PULL, intact),
  row(5, 'docker run alice/app:1', CLIS, cli('run --name <N> alice/app:1 cat /secret'), IMG, all(intact, fromAlice, STOLE)),
  row(5, 'create with Image = her image id (sha256:…)', RAW, create('{"Image":"<ALICE_ID>","Cmd":["cat","/secret"]}'), IMG, fromAlice),
  row(5, 'create with Image = her id in hex, without sha256:', RAW, create('{"Image":"<ALICE_HEX>","Cmd":["cat","/secret"]}'), IMG, fromAlice),
  row(5, 'create with Image = a 12-hex prefix of her id', RAW, create('{"Image":"<ALICE_SHORT>","Cmd":["cat","/secret"]}'), IMG, fromAlice),
  row(5, 'create with Image = docker.io/alice/app:1', RAW, create('{"Image":"docker.io/alice/app:1","Cmd":["cat","/secret"]}'), IMG, fromAlice),
  row(5, 'docker inspect alice/app:1', CLIS, cli('image inspect alice/app:1'), IMG, shows(ALICE_INSPECTED, "alice's image")),
  row(5, 'docker history alice/app:1', CLIS, cli('history --no-trunc alice/app:1'), IMG, shows(/alice-secret/, "alice's build steps")),
  row(5, 'GET /images/alice/app:1/json', RAW2, get('/v1.41/images/alice/app:1/json'), IMG, shows(ALICE_INSPECTED, "alice's image")),
  row(5, 'GET /images/<her hex id>/json', RAW, get('/v1.41/images/<ALICE_HEX>/json'), IMG, shows(ALICE_INSPECTED, "alice's image")),
  row(5, 'GET /images/docker.io/alice/app:1/json', RAW, get('/v1.41/images/docker.io/alice/app:1/json'), IMG, shows(ALICE_INSPECTED, "alice's image")),
  row(5, 'GET /images/alice%2Fapp:1/json', RAW, get('/v1.41/images/alice%2Fapp:1/json'), IMG, shows(ALICE_INSPECTED, "alice's image")),
  row(5, 'GET /images/alice/app:1/history', RAW, get('/v1.41/images/alice/app:1/history'), IMG, shows(/alice-secret/, "alice's build steps")),
  row(5, 'docker save alice/app:1', CLIS, cli('save -o <DIR>/<N>.tar alice/app:1'), IMG, savedAlice),
  row(5, 'docker save <her image id>', CLIS, cli('save -o <DIR>/<N>.tar <ALICE_ID>'), IMG, savedAlice),
  row(5, 'GET /images/alice/app:1/get', RAW, get('/v1.41/images/alice/app:1/get'), IMG, savedAlice),
  row(5, 'GET /images/get?names=<her hex id>', RAW, get('/v1.41/images/get?names=<ALICE_HEX>'), IMG, savedAlice),
  row(5, 'GET /images/get?names=bob/esc:1&names=alice/app:1', RAW,
    get('/v1.41/images/get?names=bob%2Fesc%3A1&names=alice%2Fapp%3A1'), IMG, savedAlice),
  row(5, 'docker build FROM alice/app:1', CLIS, cli('build -t <N>:1 -', 'FROM alice/app:1\nRUN cat /secret\n'), IMG, all(builtImage, STOLE)),
  row(5, 'docker build FROM her image id', CLIS, cli('build -t <N>:1 -', 'FROM <ALICE_ID>\nRUN cat /secret\n'), IMG, all(builtImage, STOLE)),
  row(5, 'docker build with COPY --from=alice/app:1', CLIS,
    cli('build -t <N>:1 -', 'FROM <IMAGE>\nCOPY --from=alice/app:1 /secret /stolen\nRUN cat /stolen\n'), IMG, all(builtImage, STOLE)),
  row(5, 'docker tag alice/app:1 <his name> (her image under his tag)', CLIS, cli('tag alice/app:1 <N>:1'), IMG, aliceUnder('<N>:1')),
  row(5, 'docker image prune -a -f', CLIS, cli('image prune -a -f'), refuse([403], R.admin), intact),
  row(5, 'docker commit esc-bob-box alice/app:1', CLIS, cli('commit esc-bob-box alice/app:1'), TAG, intact),
  row(5, 'docker import <rootfs> alice/app:1', CLIS, cli('import <ROOTFS_TAR> alice/app:1'), TAG, intact),
];

/** Alice tags her image during the row, then bob asks for the image events of that moment. */
const imageEvents =
  (ask: (since: string, until: string) => Send): Send =>
  async (b, n) => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await cluster.docker('alice', ['tag', 'alice/app:1', `alice/app:${n}`]);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const attempt = await ask(since, until)(b, n);
    // The control: alice herself sees her tag event in that window.
    const hers = await cluster.docker('alice', [...events(since, until, '--filter', 'type=image')]);
    if (!hers.stdout.includes(`alice/app:${n}`))
      throw new Error(`alice saw no tag event of alice/app:${n}: ${hers.stdout}`);
    return attempt;
  };
/**
 * Alice runs an exec in her container during the row, then bob asks for the events of that moment (the
 * engine keeps only its last 256 events: an exec made in `before` may be gone by then).
 */
const execEvents =
  (ask: (since: string, until: string) => Send): Send =>
  async (b, n) => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await cluster.docker('alice', ['exec', 'esc-vault-box', 'sh', '-c', `echo topsecret-${n}`]);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const attempt = await ask(since, until)(b, n);
    const hers = await cluster.docker('alice', [
      ...events(since, until, '--filter', 'container=esc-vault-box'),
    ]);
    if (!hers.stdout.includes(`topsecret-${n}`))
      throw new Error(`alice saw no exec_create of her own exec: ${hers.stdout}`);
    return attempt;
  };
/** Finds the prefixes (creating admin containers on the engine until they exist), then sends. */
const withPrefixes =
  (send: Send): Send =>
  async (b, n) => {
    await findPrefixes();
    return send(b, n);
  };
const PASSWORD = shows(/hunter2/, 'the password');
const EXEC_CMD = shows(/topsecret/, "the exec's command");
const ADMIN_ID = shows(() => literal(v['ADMIN_BOX']!.slice(0, 12)), "admin's container id");
const ADMIN_BOX = shows(
  () => either(/esc-admin-box/, literal(v['ADMIN_BOX']!.slice(0, 12))),
  "admin's container",
);
const ALICE_TAG = shows(/alice\/app/, "alice's tag");
const OTHERS = shows(() => either(ALICE_IMAGE(), /esc-admin-box/), "others' images or containers");
const IMAGES = shows(ALICE_IMAGE, "alice's image");
const CONFLICT = refuse([400, 409], R.conflict);
const events = (s: string, u: string, ...more: string[]) => [
  'events',
  '--since',
  s,
  '--until',
  u,
  ...more,
  '--format',
  '{{json .}}',
];
// prettier-ignore
const LEAK_ROWS: Row[] = [
  row(6, "docker inspect of alice's /Shared/dev container started with -e PASSWORD=hunter2", CLIS, cli('container inspect esc-vault-box'), ANY_REFUSAL, PASSWORD),
  row(6, "docker service inspect of alice's service (its Spec and PreviousSpec)", CLIS, cli('service inspect esc-vault'), ANY_REFUSAL, PASSWORD),
  row(6, 'docker inspect --type task of its task', CLIS, cli('inspect --type task <TASK>'), ANY_REFUSAL, PASSWORD),
  row(6, "docker inspect of its task's container", CLIS, cli('container inspect <TASK_BOX>'), ANY_REFUSAL, PASSWORD),
  row(6, 'GET /containers/esc-vault-box/json?size=1', RAW2, get('/v1.41/containers/esc-vault-box/json?size=1'), ANY_REFUSAL, PASSWORD),
  row(6, 'GET /services/esc-vault?insertDefaults=true', RAW, get('/v1.41/services/esc-vault?insertDefaults=true'), ANY_REFUSAL, PASSWORD),
  row(6, 'GET /services?status=true', RAW, get('/v1.41/services?status=true'), ANY_REFUSAL, PASSWORD),
  row(6, 'GET /tasks and GET /tasks/{id}', RAW, seq(get('/v1.41/tasks'), get('/v1.41/tasks/<TASK>')), ANY_REFUSAL, PASSWORD),
  row(6, 'docker top esc-vault-box auxeww (the environment of its processes)', CLIS, cli('top esc-vault-box auxeww'), ANY_REFUSAL, PASSWORD),
  row(6, 'GET /containers/esc-vault-box/top?ps_args=eww', RAW, get('/v1.41/containers/esc-vault-box/top?ps_args=eww'), ANY_REFUSAL, PASSWORD),
  row(6, 'docker cp esc-vault-box:/proc/1/environ -', CLIS, cli('cp esc-vault-box:/proc/1/environ -'), ANY_REFUSAL, PASSWORD),
  row(6, "GET /exec/{id}/json of alice's exec", RAW2, get('/v1.41/exec/<ALICE_EXEC>/json'), ANY_REFUSAL, EXEC_CMD),
  row(6, "docker events over alice's exec", CLIS,
    execEvents((s, u) => cli(events(s, u, '--filter', 'container=esc-vault-box'))), ANY_REFUSAL, EXEC_CMD),
  row(6, 'GET /events over the exec (status, Action and attributes)', RAW, execEvents((s, u) => get(q('/v1.41/events', { since: s, until: u }))),
    ANY_REFUSAL, EXEC_CMD),
  row(6, 'GET /events filtered to exec_create and exec_start', RAW,
    execEvents((s, u) => get(q('/v1.41/events', { since: s, until: u, filters: '{"event":["exec_create","exec_start"]}' }))),
    ANY_REFUSAL, EXEC_CMD),
  row(6, "docker top esc-vault-box while alice's exec runs", CLIS, cli('top esc-vault-box'), ANY_REFUSAL, EXEC_CMD),
  row(6, "docker create --name <admin's container's name>", CLIS, cli('create --name esc-admin-box <IMAGE>'), CONFLICT, ADMIN_ID),
  row(6, 'create ?name=esc-admin-box', RAW, post('/v1.41/containers/create?name=esc-admin-box', '{"Image":"<IMAGE>"}'), CONFLICT, ADMIN_ID),
  row(6, 'create ?name=/esc-admin-box (the leading slash the engine strips)', RAW,
    post('/v1.41/containers/create?name=%2Fesc-admin-box', '{"Image":"<IMAGE>"}'), CONFLICT, ADMIN_ID),
  row(6, 'docker rename esc-bob-box esc-admin-box', CLIS, cli('rename esc-bob-box esc-admin-box'), CONFLICT, ADMIN_ID),
  row(6, 'POST /containers/esc-bob-box/rename?name=/esc-admin-box', RAW, post('/v1.41/containers/esc-bob-box/rename?name=%2Fesc-admin-box'), CONFLICT, ADMIN_ID),
  row(6, 'GET /swarm (the join tokens)', RAW2, get('/v1.41/swarm'), refuse([403], R.admin), joinTokens),
  row(6, "docker network create <admin's network's name>", CLIS, cli('network create esc-admin-net'),
    CONFLICT, shows(() => literal(v['ADMIN_NET']!.slice(0, 12)), "admin's network id")),
  row(6, "docker service create --name <alice's private service>", CLIS,
    cli('service create --detach --no-resolve-image --name esc-alice-private <IMAGE> sleep 60'),
    CONFLICT, shows(() => literal(v['ALICE_PRIVATE_SVC']!), "alice's private service id")),
  row(6, "docker inspect <an id prefix only admin's containers have>", CLIS, withPrefixes(cli('container inspect <HIDDEN_PREFIX>')),
    refuse([404], R.hidden), prefixLeak),
  row(6, "docker inspect <a prefix his one container shares with admin's>", CLIS,
    withPrefixes(cli('container inspect --format {{.Id}} <SHARED_PREFIX>')), refuse([404], R.hidden), prefixLeak),
  row(6, "GET /containers/<a prefix only admin's containers have>/json", RAW2, withPrefixes(get('/v1.41/containers/<HIDDEN_PREFIX>/json')),
    refuse([404], R.hidden), prefixLeak),
  row(6, "GET /containers/<a prefix shared with admin's>/json", RAW, withPrefixes(get('/v1.41/containers/<SHARED_PREFIX>/json')),
    refuse([404], R.hidden), prefixLeak),
  row(6, 'docker info counts only what bob sees', CLIS, cli(['info', '--format', '{{json .}}']), ANY_REFUSAL, infoLeak),
  row(6, 'GET /info', RAW2, get('/v1.41/info'), ANY_REFUSAL, infoLeak),
  row(6, 'GET /system/df', RAW, get('/v1.41/system/df'), ANY_REFUSAL, OTHERS),
  row(6, 'docker system df -v', CLIS, cli('system df -v'), ANY_REFUSAL, OTHERS),
  row(6, 'docker images', CLIS, cli(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']), ANY_REFUSAL, IMAGES),
  row(6, 'docker images -a --no-trunc --digests', CLIS, cli('images -a --no-trunc --digests'), ANY_REFUSAL, IMAGES),
  row(6, 'docker images --filter reference=alice/*', CLIS, cli('images --filter reference=alice/*'), ANY_REFUSAL, IMAGES),
  row(6, 'GET /images/json?all=1&shared-size=1', RAW2, get('/v1.41/images/json?all=1&shared-size=1'), ANY_REFUSAL, IMAGES),
  row(6, 'GET /images/json?filters={"reference":["alice/app"]}', RAW, get(q('/v1.41/images/json', { filters: '{"reference":["alice/app"]}' })),
    ANY_REFUSAL, IMAGES),
  row(6, 'docker ps -a', CLIS, cli(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}}']), ANY_REFUSAL, ADMIN_BOX),
  row(6, 'GET /containers/json?all=1&filters={"name":["esc-admin-box"]}', RAW,
    get(q('/v1.41/containers/json', { all: '1', filters: '{"name":["esc-admin-box"]}' })), ANY_REFUSAL, ADMIN_BOX),
  row(6, 'docker events --filter type=image while alice tags her image', CLIS,
    imageEvents((s, u) => cli(events(s, u, '--filter', 'type=image'))), ANY_REFUSAL, ALICE_TAG),
  row(6, 'docker events (every type) while alice tags her image', CLIS, imageEvents((s, u) => cli(events(s, u))), ANY_REFUSAL, ALICE_TAG),
  row(6, 'GET /events?filters={"type":["image"]} while alice tags her image', RAW,
    imageEvents((s, u) => get(q('/v1.41/events', { since: s, until: u, filters: '{"type":["image"]}' }))), ANY_REFUSAL, ALICE_TAG),
];

const ROWS: Row[] = [
  ...UPGRADE_ROWS,
  ...FOLDING_ROWS,
  ...FIELD_ROWS,
  ...FETCH_ROWS,
  ...IMAGE_ROWS,
  ...LEAK_ROWS,
];

// ---------------------------------------------------------------------------------------------------------
// The cluster, the fixtures, the probes and the sweep.

let cluster: DockerCluster;
let hands: Hands;
let recorder: Recorder;

const probe = {
  async get(path: string): Promise<Json | undefined> {
    const res = await cluster.engine.request('GET', path);
    return res.status === 200 ? res.json<Json>() : undefined;
  },
  container: (ref: string) => probe.get(`/containers/${encodeURIComponent(ref)}/json`),
  image: (ref: string) => probe.get(`/images/${encodeURIComponent(ref)}/json`),
  service: (ref: string) => probe.get(`/services/${encodeURIComponent(ref)}`),
  network: (ref: string) => probe.get(`/networks/${encodeURIComponent(ref)}`),
};

const enc = (filters: unknown) => encodeURIComponent(JSON.stringify(filters));
const ids = async (path: string, field = 'Id'): Promise<Json[]> => {
  const res = await cluster.engine.request('GET', path);
  return res.status === 200 ? res.json<Json[]>().filter((x) => typeof x[field] === 'string') : [];
};

/** Removes on the engine whatever row `n` made, and puts the fixtures back as `before` left them. */
async function sweep(n: string): Promise<void> {
  const e = cluster.engine;
  const mine = new RegExp(`^/?${n}(?:[-.:]|$)`);
  for (const c of await ids(`/containers/json?all=1&filters=${enc({ name: [n] })}`))
    if (list(c['Names']).some((x) => mine.test(String(x))))
      await e.request('DELETE', `/containers/${String(c['Id'])}?force=1&v=1`);
  for (const s of await ids(`/services?filters=${enc({ name: [n] })}`, 'ID'))
    if (mine.test(String(obj(s['Spec'])['Name']))) await e.request('DELETE', `/services/${String(s['ID'])}`);
  const volumes = obj((await e.request('GET', `/volumes?filters=${enc({ name: [n] })}`)).json<Json>())[
    'Volumes'
  ];
  for (const vol of list(volumes))
    if (mine.test(String(obj(vol)['Name'])))
      await e.request('DELETE', `/volumes/${String(obj(vol)['Name'])}?force=1`);
  for (const net of await ids(`/networks?filters=${enc({ name: [n] })}`))
    if (mine.test(String(net['Name']))) await e.request('DELETE', `/networks/${String(net['Id'])}`);
  for (const image of await ids('/images/json'))
    for (const tag of list(image['RepoTags']).map(String))
      if (tag.includes(n)) await e.request('DELETE', `/images/${encodeURIComponent(tag)}?force=1`);
  // Fixtures a row may have moved: networks' members, a second network named like admin's, alice's tag.
  for (const net of [v['BOB_NET']!, v['ADMIN_NET']!]) {
    for (const id of Object.keys(obj((await probe.network(net))?.['Containers'])))
      await e.request('POST', `/networks/${net}/disconnect`, { Container: id, Force: true });
  }
  for (const net of await ids(`/networks?filters=${enc({ name: ['esc-admin-net'] })}`))
    if (net['Id'] !== v['ADMIN_NET']) await e.request('DELETE', `/networks/${String(net['Id'])}`);
  if (!(await probe.container('esc-bob-box')))
    await e.request('POST', `/containers/${v['BOB_BOX']!}/rename?name=esc-bob-box`);
  if ((await probe.image('alice/app:1'))?.['Id'] !== v['ALICE_ID']) {
    if (await probe.image(v['ALICE_ID']!)) await e.docker(['tag', v['ALICE_ID']!, 'alice/app:1']);
    else await cluster.docker('alice', ['load', '-i', v['ALICE_TAR']!]);
  }
}

/**
 * Two one-character id prefixes: HIDDEN_PREFIX, which only containers bob may not see have (two or more:
 * the engine finds it ambiguous), and SHARED_PREFIX, which exactly one of bob's visible containers shares
 * with admin's. Admin's containers are made on the engine until both exist.
 */
async function findPrefixes(): Promise<void> {
  for (let i = 0; i < 80; i++) {
    const visible = (
      JSON.parse((await hands.asBob('GET', '/v1.41/containers/json?all=1')).text) as Json[]
    ).map((c) => String(c['Id']));
    const everything = (await ids('/containers/json?all=1')).map((c) => String(c['Id']));
    const hidden = everything.filter((id) => !visible.includes(id));
    const count = (of: string[], c: string) => of.filter((id) => id.startsWith(c)).length;
    const hex = [...'0123456789abcdef'];
    const hiddenOnly = hex.find((c) => count(visible, c) === 0 && count(hidden, c) >= 2);
    const shared = hex.find((c) => count(visible, c) === 1 && count(hidden, c) >= 1);
    if (hiddenOnly && shared) {
      Object.assign(v, {
        HIDDEN_PREFIX: hiddenOnly,
        SHARED_PREFIX: shared,
        HIDDEN_IDS: JSON.stringify(hidden),
      });
      return;
    }
    await cluster.engine.request('POST', '/containers/create', { Image: IMAGE, Cmd: ['true'] });
  }
  throw new Error('no hidden-only and shared id prefixes after 80 containers of admin');
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function setUp(): Promise<void> {
  cluster = await startDockerCluster();
  const e = cluster.engine;
  const as = (who: 'admin' | 'alice' | 'bob', args: string[], input?: string) =>
    cluster.docker(who, args, input === undefined ? {} : { input }).then((r) => r.stdout.trim());
  const DEV = ['--label', 'io.stevedore.collection=/Shared/dev'];
  // bob's session, as the dashboard logs in (POST /auth/login).
  hands = await bobsHands(cluster, await cluster.login('bob'), cluster.tokens.alice, AGAINST_ENGINE);
  const dir = await mkdtemp(join(cluster.dataDir, 'escapes-'));
  const rootfs = tar([{ name: 'hello', body: 'hello\n' }]);
  recorder = await startRecorder(() => tar([{ name: 'Dockerfile', body: `FROM ${IMAGE}\n` }]), rootfs);
  Object.assign(v, {
    IMAGE,
    DIR: dir,
    PORT: String(recorder.port),
    HOST_BRIDGE: e.bridge,
    // A cgroup of bob's choosing, under the engine's own parent (so the engine's cleanup removes it).
    CGROUP: `/${basename(dirname(e.dataRoot))}/esc-cg-<N>`,
    NET_DOCKERFILE: `FROM ${IMAGE}\nRUN ls /sys/class/net > /x; cat /sys/class/net/eth0/address /proc/net/fib_trie /etc/hosts >> /x 2>&1; true\n`,
  });
  bufs['rootfs'] = rootfs;
  v['ROOTFS_TAR'] = join(dir, 'rootfs.tar');
  await writeFile(v['ROOTFS_TAR'], rootfs);
  v['SECCOMP_FILE'] = join(dir, 'seccomp.json');
  await writeFile(v['SECCOMP_FILE'], '{"defaultAction":"SCMP_ACT_ALLOW"}');

  // admin's, made on the engine itself: unlabelled, so in /System, which bob may not see.
  v['ADMIN_BOX'] = (
    await e.docker(['run', '-d', '--name', 'esc-admin-box', '-v', '/:/hostroot:ro', IMAGE, 'sleep', '3600'])
  ).stdout.trim();
  v['ADMIN_MAC'] = str(
    obj((await probe.container('esc-admin-box'))?.['NetworkSettings'])['MacAddress'] ?? '',
  );
  assert.match(v['ADMIN_MAC'], /^[0-9a-f:]{17}$/, "admin's container has no MAC address");
  v['ADMIN_NET'] = (await e.docker(['network', 'create', 'esc-admin-net'])).stdout.trim();
  const subnet = String(
    obj(list(obj((await probe.network('esc-admin-net'))?.['IPAM'])['Config'])[0])['Subnet'],
  );
  v['ADMIN_SUBNET'] = subnet.split('.').slice(0, 3).join('.') + '.';
  const swarm = obj(obj((await e.request('GET', '/swarm')).json<Json>())['JoinTokens']);
  Object.assign(v, { JOIN_WORKER: String(swarm['Worker']), JOIN_MANAGER: String(swarm['Manager']) });
  v['NODE'] = await as('admin', ['node', 'ls', '-q']);
  await cluster.asAdmin('POST', '/api/v1/collections', { path: '/Shared/ops' });

  // bob's own.
  v['BOB_NET'] = await as('bob', ['network', 'create', 'esc-bob-net']);
  v['BOB_BOX'] = await as('bob', ['run', '-d', '--name', 'esc-bob-box', IMAGE, 'sleep', '3600']);
  await as('bob', ['build', '-q', '-t', 'bob/esc:1', '-'], `FROM ${IMAGE}\nRUN echo bob > /mine\n`);
  await as('bob', [
    'service',
    'create',
    '--detach',
    '--no-resolve-image',
    '--name',
    'esc-bob-svc',
    IMAGE,
    'sleep',
    '60',
  ]);
  const base = obj(obj(obj((await probe.service('esc-bob-svc'))?.['Spec'])['TaskTemplate'])['Placement'])[
    'Constraints'
  ];
  v['BASE_CONSTRAINTS'] = JSON.stringify(list(base));
  await e.request('DELETE', '/services/esc-bob-svc');

  // alice's: her image, a container and a service in /Shared/dev holding a password, a private service.
  await as(
    'alice',
    ['build', '-q', '-t', 'alice/app:1', '-'],
    `FROM ${IMAGE}\nRUN echo alice-secret > /secret\n`,
  );
  const aliceId = String((await probe.image('alice/app:1'))?.['Id']);
  Object.assign(v, {
    ALICE_ID: aliceId,
    ALICE_HEX: aliceId.slice(7),
    ALICE_SHORT: aliceId.slice(7, 19),
    ALICE_TAR: join(dir, 'alice.tar'),
  });
  await e.docker(['save', '-o', v['ALICE_TAR']!, 'alice/app:1']);
  v['ALICE_BOX'] = await as('alice', [
    'run',
    '-d',
    '--name',
    'esc-vault-box',
    ...DEV,
    '-e',
    'PASSWORD=hunter2',
    IMAGE,
    'sleep',
    '3600',
  ]);
  const service = ['service', 'create', '--detach', '--no-resolve-image'];
  v['ALICE_SVC'] = await as('alice', [
    ...service,
    '--name',
    'esc-vault',
    ...DEV,
    '-e',
    'PASSWORD=hunter2',
    IMAGE,
    'sleep',
    '3600',
  ]);
  // An update keeps the password in PreviousSpec too.
  await as('alice', ['service', 'update', '--detach', '--env-add', 'OTHER=1', 'esc-vault']);
  v['ALICE_PRIVATE_SVC'] = await as('alice', [
    ...service,
    '--name',
    'esc-alice-private',
    IMAGE,
    'sleep',
    '3600',
  ]);
  v['EXEC_SINCE'] = String(Math.floor(Date.now() / 1000) - 1);
  await as('alice', ['exec', 'esc-vault-box', 'sh', '-c', 'echo topsecret-exec']);
  await as('alice', ['exec', '-d', 'esc-vault-box', 'sh', '-c', 'sleep 3600; echo topsecret-long']);
  v['EXEC_UNTIL'] = String(Math.floor(Date.now() / 1000) + 1);
  // The running exec: the engine forgets finished ones after a while.
  for (const id of list((await probe.container('esc-vault-box'))?.['ExecIDs']).map(String))
    if (JSON.stringify(await probe.get(`/exec/${id}/json`)).includes('topsecret-long')) v['ALICE_EXEC'] = id;
  const task = await waitFor('a running task of esc-vault', async () => {
    const tasks = await ids(
      `/tasks?filters=${enc({ service: ['esc-vault'], 'desired-state': ['running'] })}`,
      'ID',
    );
    const running = tasks.find((t) => obj(t['Status'])['State'] === 'running');
    return running ? running : undefined;
  });
  v['TASK'] = String(task['ID']);
  v['TASK_BOX'] = String(obj(obj(task['Status'])['ContainerStatus'])['ContainerID']);

  await controls();

  // Archives naming alice's tag, made from bob's image.
  const saved = untar(await readFile(await saveOf('bob/esc:1', dir)));
  const manifestNaming = (tag: string) =>
    saved.map((x) =>
      x.name === 'manifest.json'
        ? {
            ...x,
            body: Buffer.from(
              JSON.stringify([{ ...obj(list(JSON.parse(x.body.toString()))[0]), RepoTags: [tag] }]),
            ),
          }
        : x.name === 'repositories'
          ? {
              ...x,
              body: Buffer.from(
                JSON.stringify({
                  [tag.split(':')[0]!]: {
                    [tag.split(':')[1]!]: Object.values(
                      obj(Object.values(JSON.parse(x.body.toString()) as Json)[0]),
                    )[0],
                  },
                }),
              ),
            }
          : x,
    );
  const naming = manifestNaming('alice/app:1');
  v['LOAD_ALICE'] = join(dir, 'load-alice.tar');
  await writeFile(v['LOAD_ALICE'], retar(naming));
  bufs['load:dockerio'] = retar(manifestNaming('docker.io/alice/app:1'));
  bufs['load:legacy'] = retar(naming.filter((x) => x.name !== 'manifest.json'));
  const bobsManifest = saved.find((x) => x.name === 'manifest.json')!;
  bufs['load:twice'] = retar([{ ...bobsManifest }, ...naming.filter((x) => x.name !== 'repositories')]);
  bufs['load:gzip'] = gzipSync(retar(naming));
}

/**
 * What the rows look for can happen at all: alice is shown her password and her exec's command, the
 * engine itself reaches the loopback recorder (by which of the rows' host forms, printed), and a syslog
 * log driver ships there. Without these a clean effect check would prove nothing.
 */
async function controls(): Promise<void> {
  const alice = (args: string[]) => cluster.docker('alice', args).then((r) => r.stdout);
  assert.match(
    await alice(['container', 'inspect', 'esc-vault-box']),
    /PASSWORD=hunter2/,
    'control: alice sees her password',
  );
  const window = [
    '--since',
    v['EXEC_SINCE']!,
    '--until',
    v['EXEC_UNTIL']!,
    '--filter',
    'container=esc-vault-box',
  ];
  assert.match(
    await alice(['events', ...window, '--format', '{{json .}}']),
    /topsecret/,
    "control: alice sees her exec's command",
  );
  const e = cluster.engine;
  const reached: string[] = [];
  for (const [i, [host]] of HOSTS.entries()) {
    const token = `control-${i}`;
    const url = `http://${host}:${recorder.port}/${token}/x.tar`;
    await e.request('POST', `/images/create?fromSrc=${encodeURIComponent(url)}&repo=esc-control&tag=${i}`);
    if (recorder.seen(token).length > 0) reached.push(host);
  }
  assert.ok(reached.includes('127.0.0.1'), 'control: the engine reaches the loopback recorder');
  console.log(`# the engine itself reaches the loopback recorder by: ${reached.join(', ')}`);
  console.log(
    `# and not by: ${
      HOSTS.map(([h]) => h)
        .filter((h) => !reached.includes(h))
        .join(', ') || '(all reach it)'
    }`,
  );
  const syslog = ['--log-driver', 'syslog', '--log-opt', `syslog-address=tcp://127.0.0.1:${recorder.port}`];
  await e.docker(['run', '--rm', ...syslog, IMAGE, 'echo', 'control-syslog']).catch(() => undefined);
  await waitFor(
    'the syslog control line',
    () => Promise.resolve(recorder.seen('control-syslog').length > 0 || undefined),
    10_000,
  );
  for (const image of await ids('/images/json'))
    for (const tag of list(image['RepoTags']).map(String))
      if (tag.startsWith('esc-control:'))
        await e.request('DELETE', `/images/${encodeURIComponent(tag)}?force=1`);
}

async function saveOf(ref: string, dir: string): Promise<string> {
  const file = join(dir, `${ref.replace(/[/:]/g, '_')}.tar`);
  await cluster.engine.docker(['save', '-o', file, ref]);
  return file;
}

/** Contexts compressed by the system's tools, for the rows that name them (made once each row's name is known). */
async function compressedContexts(): Promise<void> {
  for (const r of FETCH_ROWS) {
    const tool = /bzip2|xz/.exec(r.name)?.[0];
    if (!tool) continue;
    for (const via of r.via) {
      const n = nameOf(r, via);
      const file = join(v['DIR']!, `ctx-${n}.tar`);
      await writeFile(file, contextOf([{ name: 'Dockerfile', body: EVIL }])(n));
      await run(tool, ['-kf', file]);
      bufs[`${tool}:${n}`] = await readFile(`${file}.${tool === 'bzip2' ? 'bz2' : 'xz'}`);
    }
  }
}

const nameOf = (r: Row, via: Via) => `esc-${ROWS.indexOf(r)}${LETTER[via]}`;

/**
 * Runs one row over one way in: the attempt, then the effect check (always), then the sweep. Fails with
 * what got through and what the engine shows, or with the refusal that did not say why. Answers the outcome
 * in one line, which ESCAPES_VERBOSE=1 prints under each passing row.
 */
async function judge(r: Row, via: Via): Promise<string> {
  const n = nameOf(r, via);
  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
  const problems: string[] = [];
  let attempt: Attempt | undefined;
  try {
    attempt = await r.send(hands.bob(via), n);
  } catch (err) {
    problems.push(`TEST PROBLEM: the attempt could not be made: ${message(err)}`);
  }
  let effect: string | undefined;
  try {
    effect = await r.effect(n, attempt ?? NOTHING);
  } catch (err) {
    problems.push(`TEST PROBLEM: the effect check failed: ${message(err)}`);
  }
  try {
    await sweep(n);
  } catch (err) {
    problems.push(`TEST PROBLEM: cleaning up after the row failed: ${message(err)}`);
  }
  const status = attempt?.status ? ` ${attempt.status}` : '';
  const answer = !attempt
    ? 'not sent'
    : attempt.refused
      ? `refused${status}: ${attempt.message}`
      : `accepted${status}: ${attempt.output.slice(0, 300)}`;
  if (attempt && effect) problems.unshift(`GOT THROUGH: ${attempt.what} → ${answer}`, `EFFECT: ${effect}`);
  else if (attempt?.refused) {
    const statusOk = !attempt.status || r.refusal.status.includes(attempt.status);
    if (!statusOk || !r.refusal.reason.test(attempt.message))
      problems.unshift(
        `REFUSED WITHOUT THE EXPECTED REASON: ${attempt.what} → ${answer}`,
        `(expected ${r.refusal.status.join('/')} matching ${String(r.refusal.reason)}; no forbidden effect was found)`,
      );
  }
  if (problems.length > 0) assert.fail(problems.join('\n'));
  return `${attempt?.what ?? ''} → ${answer}`.replace(/\s+/g, ' ').slice(0, 400);
}

/** Bounds a clean-up step: a hung one must not hold the whole run. */
const bounded = (what: string, step: Promise<unknown>, ms: number) =>
  Promise.race([
    step,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`${what} still running after ${ms} ms`)), ms).unref(),
    ),
  ]);

describe('escapes: bob, with his bundle, tries every way out', () => {
  before(
    async () => {
      await setUp();
      await compressedContexts();
    },
    { timeout: 300_000 },
  );
  after(async () => {
    await bounded('closing the loopback recorder', recorder?.close() ?? Promise.resolve(), 10_000);
    await bounded('stopping the cluster', cluster?.stop() ?? Promise.resolve(), 120_000);
  });

  for (const cause of Object.keys(CAUSES).map(Number)) {
    describe(CAUSES[cause], () => {
      for (const r of ROWS.filter((x) => x.cause === cause))
        for (const via of r.via)
          it(`${r.name} [${via}]`, { timeout: 240_000 }, async (t) => {
            const outcome = await judge(r, via);
            if (process.env['ESCAPES_VERBOSE']) t.diagnostic(outcome);
          });
    });
  }
});
