/**
 * What the escape suite (escapes.int.test.ts) stands on:
 * - bob's hands: the two docker CLIs (28.2 as the cluster runs it, Debian's 20.10 from /usr/bin), HTTPS
 *   with his bundle's certificate or with his session at /api/docker, and raw bytes on a TLS socket; every
 *   one answers an `Attempt` (refused or not, the reason the user is shown, everything that came back);
 * - probes of the engine itself (its unix socket, bypassing the proxy): what a container was made with;
 * - a loopback server that records every connection made to it (HTTP or not);
 * - tar archives written byte by byte, for what `tar` would never write (two entries of one name, PAX and
 *   GNU long names, a symlinked Dockerfile), and read back for rewriting an image archive's manifest.
 */
import { access, constants, readFile } from 'node:fs/promises';
import { connect as connectUnix, createServer, type Server, type Socket } from 'node:net';
import { request } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { DockerCliError, runDockerCli, type DockerCliOptions } from '@stevedore/testkit';
import type { DockerCluster } from './cluster.js';

export type Via = 'docker 28.2' | 'docker 20.10' | 'bundle' | 'session';
export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A JSON value as text: strings as they are, the rest as JSON. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

/** One attempt as bob saw it. */
export interface Attempt {
  /** What was sent, for the failure message: `docker 20.10 run …`, `POST /v1.41/… (bundle)`. */
  readonly what: string;
  readonly refused: boolean;
  /** The HTTP status (raw requests), when there was one. */
  readonly status?: number;
  /** What the user is shown: the CLI's stderr, or the answer's `message` (or a stream's error). */
  readonly message: string;
  /** Everything that came back: stdout and stderr, or the whole body. */
  readonly output: string;
}

/** bob, through one way of reaching the proxy. */
export interface Bob {
  readonly via: Via;
  /** The docker CLI (CLI vias only). */
  docker(args: string[], options?: DockerCliOptions): Promise<Attempt>;
  /** One HTTPS request (raw vias only); `path` as the Engine API has it (the session's prefix is added). */
  http(
    method: string,
    path: string,
    body?: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<Attempt>;
  /** Bytes written as they are on a fresh TLS connection: `prefix` is the path prefix, `auth` header lines. */
  bytes(build: (prefix: string, auth: string) => string): Promise<Attempt>;
}

const OLD_CLI_PATH = '/usr/bin:/usr/sbin:/bin:/sbin';

/** The first `docker` on `/usr/bin:/usr/sbin:/bin:/sbin`: Debian's 20.10, whatever else is installed. */
async function oldCli(): Promise<string> {
  for (const dir of OLD_CLI_PATH.split(':')) {
    const candidate = join(dir, 'docker');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`no docker CLI on ${OLD_CLI_PATH}: install Debian's docker.io`);
}

const short = (s: string, max = 600) => (s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s);

function cliAttempt(what: string, run: Promise<{ stdout: string; stderr: string }>): Promise<Attempt> {
  return run.then(
    (r) => ({ what, refused: false, message: '', output: r.stdout + r.stderr }),
    (err: unknown) => {
      if (!(err instanceof DockerCliError)) throw err;
      return { what, refused: true, message: err.stderr.trim(), output: err.stdout + err.stderr };
    },
  );
}

/** The first error of a JSON-lines progress stream (build, pull, load, import), if any. */
function streamError(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('{')) continue;
    try {
      const j = obj(JSON.parse(line));
      const detail = obj(j['errorDetail'])['message'];
      if (typeof j['error'] === 'string' || typeof detail === 'string') return String(j['error'] ?? detail);
    } catch {
      // not JSON
    }
  }
  return undefined;
}

function httpAttempt(what: string, status: number, text: string): Attempt {
  let message = text.trim();
  try {
    const m = obj(JSON.parse(text))['message'];
    if (typeof m === 'string') message = m;
  } catch {
    // not one JSON value: a stream, or a tar
  }
  const inStream = status < 400 ? streamError(text) : undefined;
  return {
    what,
    refused: status >= 400 || inStream !== undefined,
    status,
    message: inStream ?? short(message),
    output: text,
  };
}

interface Tls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

function httpsCall(
  port: number,
  tls: Tls,
  method: string,
  path: string,
  body: Buffer | undefined,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers, servername: 'localhost', ...tls, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('latin1') }),
        );
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Writes `bytes` on a fresh TLS connection (or, given a socket path, on the engine's own unix socket) and
 * answers what came back: when the server closed, or once nothing more arrived for `idleMs` (a hijacked
 * stream stays open), or after `timeoutMs` in all.
 */
export function exchange(to: number | string, tls: Tls, bytes: string, idleMs = 1500, timeoutMs = 15_000) {
  return new Promise<{ text: string; open: boolean }>((resolve) => {
    const socket =
      typeof to === 'string'
        ? connectUnix({ path: to })
        : connect({ host: '127.0.0.1', port: to, servername: 'localhost', ...tls });
    let text = '';
    let idle: NodeJS.Timeout | undefined;
    const done = (open: boolean) => {
      clearTimeout(idle);
      clearTimeout(total);
      socket.destroy();
      resolve({ text, open });
    };
    const total = setTimeout(() => done(true), timeoutMs);
    socket.on(typeof to === 'string' ? 'connect' : 'secureConnect', () => socket.write(bytes, 'latin1'));
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      clearTimeout(idle);
      idle = setTimeout(() => done(true), idleMs);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => done(false));
  });
}

export interface Hands {
  /** bob through one way in. */
  bob(via: Via): Bob;
  /** An HTTPS call as bob (bundle), for probes through the proxy; answers status and text. */
  asBob(method: string, path: string): Promise<{ status: number; text: string }>;
  /** The same with alice's session, to ask what alice is shown. */
  asAlice(method: string, path: string): Promise<{ status: number; text: string }>;
}

/**
 * bob's hands. With `againstEngine` every way in goes straight to the engine's socket instead (the CLIs
 * with the engine's DOCKER_HOST): the validation run, in which each row's effect check should find the
 * escape the proxy is there to stop.
 */
export async function bobsHands(
  cluster: DockerCluster,
  session: string,
  aliceSession: string,
  againstEngine = false,
): Promise<Hands> {
  const dir = cluster.bundleDirs.bob;
  const [ca, cert, key] = await Promise.all(
    ['ca.pem', 'cert.pem', 'key.pem'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  const bundle: Tls = { ca: ca!, cert: cert!, key: key! };
  const plain: Tls = { ca: cluster.plane.clusterCaPem };
  const port = cluster.plane.port;
  const old = await oldCli();
  const oldEnv = {
    PATH: OLD_CLI_PATH,
    DOCKER_HOST: `tcp://127.0.0.1:${port}`,
    DOCKER_TLS_VERIFY: '1',
    DOCKER_CERT_PATH: dir,
    DOCKER_CONFIG: join(dir, 'docker-config'),
    DOCKER_BUILDKIT: '0',
  };

  const engine = cluster.engine;
  const engineEnv = { ...engine.env, DOCKER_BUILDKIT: '0' };
  const bob = (via: Via): Bob => {
    const isCli = via === 'docker 28.2' || via === 'docker 20.10';
    const session_ = via === 'session' && !againstEngine;
    return {
      via,
      docker: (args, options = {}) => {
        if (!isCli) throw new Error(`row bug: docker CLI call over ${via}`);
        const what = `${via} ${args.join(' ')}${againstEngine ? ' (straight to the engine)' : ''}`;
        const o = { timeoutMs: 90_000, ...options };
        const run = againstEngine
          ? runDockerCli(via === 'docker 28.2' ? 'docker' : old, engineEnv, args, o)
          : via === 'docker 28.2'
            ? cluster.docker('bob', args, o)
            : runDockerCli(old, oldEnv, args, o);
        return cliAttempt(what, run);
      },
      http: async (method, path, body, headers = {}) => {
        if (isCli) throw new Error(`row bug: raw request over ${via}`);
        if (againstEngine) {
          const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
          const h = {
            ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
            ...headers,
          };
          const res = await engine.request(method, path, payload, { headers: h, timeoutMs: 120_000 });
          return httpAttempt(
            `${method} ${path} (straight to the engine)`,
            res.status,
            res.body.toString('latin1'),
          );
        }
        const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        const h: Record<string, string> = { ...headers };
        if (payload) {
          h['content-type'] ??= typeof body === 'string' ? 'application/json' : 'application/x-tar';
          h['content-length'] = String(payload.length);
        }
        if (session_) h['authorization'] = `Bearer ${session}`;
        const fullPath = session_ ? `/api/docker${path}` : path;
        const res = await httpsCall(port, session_ ? plain : bundle, method, fullPath, payload, h, 120_000);
        return httpAttempt(`${method} ${fullPath} (${via})`, res.status, res.text);
      },
      bytes: async (build) => {
        if (isCli) throw new Error(`row bug: raw bytes over ${via}`);
        const bytes = session_ ? build('/api/docker', `Authorization: Bearer ${session}\r\n`) : build('', '');
        const to = againstEngine ? engine.socketPath : port;
        const { text, open } = await exchange(to, session_ ? plain : bundle, bytes);
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
        const firstLine = bytes.split('\r\n')[0] ?? '';
        return {
          what: `raw bytes "${firstLine} …" (${via})${open ? ', connection left open' : ''}`,
          refused: status >= 400,
          status,
          message: short(text),
          output: text,
        };
      },
    };
  };

  const asSession = (token: string) => async (method: string, path: string) =>
    httpsCall(
      port,
      plain,
      method,
      `/api/docker${path}`,
      undefined,
      { authorization: `Bearer ${token}` },
      30_000,
    );
  return {
    bob,
    asBob: (method, path) => httpsCall(port, bundle, method, path, undefined, {}, 30_000),
    asAlice: asSession(aliceSession),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The engine itself.

/** What a container holds that bob's grants (Restricted Control, no capability operations) do not allow. */
export function containerDangers(c: Json, opts: { readonly adminNetworkId?: string } = {}): string[] {
  const host = obj(c['HostConfig']);
  const config = obj(c['Config']);
  const out: string[] = [];
  const show = (v: unknown) => JSON.stringify(v);
  for (const bind of list(host['Binds'])) {
    const source = String(bind).split(':')[0] ?? '';
    if (String(bind).includes(':') && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(source))
      out.push(`HostConfig.Binds has ${show(bind)}`);
  }
  for (const m of list(c['Mounts'])) {
    const mount = obj(m);
    if (mount['Type'] === 'bind') out.push(`it mounts host path ${show(mount['Source'])}`);
  }
  for (const m of list(host['Mounts']))
    if (obj(m)['Type'] === 'bind') out.push(`HostConfig.Mounts has ${show(m)}`);
  if (host['Privileged'] === true) out.push('HostConfig.Privileged is true');
  for (const f of ['PidMode', 'IpcMode', 'UTSMode', 'NetworkMode', 'UsernsMode']) {
    const mode = str(host[f] ?? '');
    if (mode === 'host' || mode.startsWith('container:')) out.push(`HostConfig.${f} is ${show(mode)}`);
  }
  for (const f of ['CapAdd', 'Devices', 'DeviceCgroupRules', 'DeviceRequests', 'VolumesFrom', 'Links']) {
    if (list(host[f]).length > 0) out.push(`HostConfig.${f} is ${show(host[f])}`);
  }
  const masked = host['MaskedPaths'];
  if (Array.isArray(masked) && !masked.includes('/proc/kcore'))
    out.push(`HostConfig.MaskedPaths is ${show(masked)}`);
  const readonly = host['ReadonlyPaths'];
  if (Array.isArray(readonly) && !readonly.includes('/proc/sys'))
    out.push(`HostConfig.ReadonlyPaths is ${show(readonly)}`);
  const security = list(host['SecurityOpt']).filter((o) => !/^no-new-privileges/.test(String(o)));
  if (security.length > 0) out.push(`HostConfig.SecurityOpt is ${short(show(security), 120)}`);
  if (host['CgroupParent']) out.push(`HostConfig.CgroupParent is ${show(host['CgroupParent'])}`);
  const log = str(obj(host['LogConfig'])['Type'] ?? '');
  if (!['', 'json-file', 'local', 'none'].includes(log)) out.push(`its log driver is ${log}`);
  if (Object.keys(obj(host['Sysctls'])).length > 0)
    out.push(`HostConfig.Sysctls is ${show(host['Sysctls'])}`);
  if (host['OomKillDisable'] === true) out.push('HostConfig.OomKillDisable is true');
  if (Number(host['OomScoreAdj'] ?? 0) < 0) out.push(`HostConfig.OomScoreAdj is ${str(host['OomScoreAdj'])}`);
  if (!['', 'runc'].includes(str(host['Runtime'] ?? '')))
    out.push(`HostConfig.Runtime is ${str(host['Runtime'])}`);
  if (Object.keys(obj(host['Annotations'])).length > 0)
    out.push(`HostConfig.Annotations is ${str(host['Annotations'])}`);
  const labels = obj(config['Labels']);
  for (const k of Object.keys(labels))
    if (k.startsWith('com.docker.swarm.')) out.push(`it carries the label ${k}=${String(labels[k])}`);
  const collection = labels['io.stevedore.collection'];
  if (collection !== undefined && collection !== '/Shared/Private/bob')
    out.push(`it is labelled into ${str(collection)}`);
  if (opts.adminNetworkId) {
    for (const [name, ep] of Object.entries(obj(obj(c['NetworkSettings'])['Networks'])))
      if (obj(ep)['NetworkID'] === opts.adminNetworkId)
        out.push(`its endpoint ${name} is on admin's network`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// A loopback server that records who reached it.

export interface Recorder {
  readonly port: number;
  /** Where it listens (127.0.0.1, and ::1 when the host has it). */
  readonly addresses: string[];
  /** The first bytes of each connection whose bytes mention `token`. */
  seen(token: string): string[];
  /** How many connections it has had so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Answers HTTP with something usable, so an attempt that gets through succeeds as the attacker wants:
 * `…ctx.tar` a build context, `….tar` a root filesystem, anything else a few bytes.
 */
export async function startRecorder(context: (path: string) => Buffer, rootfs: Buffer): Promise<Recorder> {
  const firstBytes: string[] = [];
  const sockets = new Set<Socket>();
  let count = 0;
  const onConnection = (socket: Socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const index = firstBytes.push('') - 1;
    let text = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      firstBytes[index] = text.slice(0, 2000);
      const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/.exec(text);
      if (!m || !text.includes('\r\n\r\n')) return;
      const path = m[2] ?? '/';
      const body = path.endsWith('ctx.tar')
        ? context(path)
        : path.endsWith('.tar')
          ? rootfs
          : Buffer.from('recorded\n');
      socket.end(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
          body,
        ]),
      );
    });
  };
  const listen = (server: Server, host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  const v4 = createServer(onConnection);
  const port = await listen(v4, '127.0.0.1', 0);
  const servers = [v4];
  const addresses = ['127.0.0.1'];
  const v6 = createServer(onConnection);
  try {
    await listen(v6, '::1', port);
    servers.push(v6);
    addresses.push('::1');
  } catch {
    // no IPv6 loopback here
  }
  return {
    port,
    addresses,
    seen: (token) => firstBytes.filter((t) => t.includes(token)),
    connections: () => count,
    close: async () => {
      // A log driver or a git client may hold its connection open: close() would wait for it.
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Tar archives, byte by byte.

export interface TarEntry {
  readonly name: string;
  readonly body?: string | Buffer;
  readonly type?: 'file' | 'dir' | 'symlink';
  readonly link?: string;
  /** PAX records for this entry (`path` renames it for readers that honour PAX). */
  readonly pax?: Record<string, string>;
  /** A GNU `././@LongLink` record naming the entry (readers that honour it use this name). */
  readonly gnuName?: string;
}

const TYPE = { file: '0', dir: '5', symlink: '2' } as const;

function header(name: string, size: number, type: string, link = '', mode = 0o644): Buffer {
  const h = Buffer.alloc(512);
  const octal = (offset: number, length: number, value: number) =>
    h.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, 'latin1');
  h.write(name.slice(0, 100), 0, 'utf8');
  octal(100, 8, mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 1_700_000_000);
  h.fill(' ', 148, 156);
  h.write(type, 156, 'latin1');
  h.write(link.slice(0, 100), 157, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) {
      const records = Object.entries(e.pax).map(([k, v]) => {
        const rest = ` ${k}=${v}\n`;
        let len = Buffer.byteLength(rest) + 1;
        while (String(len).length + Buffer.byteLength(rest) !== len) len++;
        return `${len}${rest}`;
      });
      const body = Buffer.from(records.join(''), 'utf8');
      parts.push(header(`PaxHeaders.0/${e.name}`.slice(0, 99), body.length, 'x'), pad(body));
    }
    if (e.gnuName) {
      const body = Buffer.from(`${e.gnuName}\0`, 'utf8');
      parts.push(header('././@LongLink', body.length, 'L'), pad(body));
    }
    const type = e.type ?? 'file';
    const body = typeof e.body === 'string' ? Buffer.from(e.body, 'utf8') : (e.body ?? Buffer.alloc(0));
    const mode = type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644;
    parts.push(header(e.name, type === 'file' ? body.length : 0, TYPE[type], e.link, mode));
    if (type === 'file') parts.push(pad(body));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export interface UntarredEntry {
  readonly name: string;
  /** The type flag: `0` a file, `5` a directory, `2` a symlink. */
  readonly type: string;
  readonly link: string;
  readonly body: Buffer;
}

/** Plain ustar (what `docker save` writes): name, type flag, link and body of each entry. */
export function untar(buf: Buffer): UntarredEntry[] {
  const out: UntarredEntry[] = [];
  const cstring = (b: Buffer) => {
    const end = b.indexOf(0);
    return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
  };
  for (let off = 0; off + 512 <= buf.length;) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const prefix = cstring(h.subarray(345, 500));
    const base = cstring(h.subarray(0, 100));
    const size = parseInt(cstring(h.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(h[156] ?? 48);
    out.push({
      name: prefix ? `${prefix}/${base}` : base,
      type,
      link: cstring(h.subarray(157, 257)),
      body: buf.subarray(off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Writes untarred entries back, in order. */
export function retar(entries: readonly UntarredEntry[]): Buffer {
  return tar(
    entries.map((e) => ({
      name: e.name,
      body: e.body,
      type: e.type === '5' ? 'dir' : e.type === '2' ? 'symlink' : 'file',
      link: e.link,
    })),
  );
}
