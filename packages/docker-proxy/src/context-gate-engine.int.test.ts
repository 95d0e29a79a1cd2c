/**
 * The gate in front of a real engine's legacy builder (`version=1`): what it lets through builds, and what
 * it refuses never makes the engine fetch or build, even while the decision takes its time, because the
 * end of the archive is held back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { buildTestImage, startDockerEngine, type DockerEngine } from '@stevedore/testkit';
import { buildContextGate, contextDockerfiles, createTarGate, dockerfilePaths } from './context-gate.js';
import { fetchedSources } from './dockerfile-urls.js';
import { EngineRefusal } from './refusals.js';
import { checkFetchedUrl } from './remote-url.js';

const BASE = 'stevedore/busybox:test';
/** Bytes after the end of the archive, more than the engine's body reader drains on close. */
const TRAILER = Buffer.alloc(1024 * 1024);

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, data] of Object.entries(files)) p.entry({ name, type: 'file' }, data);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function chunks(buf: Buffer, size = 4096): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

interface Outcome {
  readonly sendError?: unknown;
  readonly status?: number;
  readonly log?: string;
}

/** POST /build with the body streamed (chunked), through `gate` when given. */
async function build(engine: DockerEngine, tag: string, body: Buffer, gate?: Transform): Promise<Outcome> {
  const req = request({
    socketPath: engine.socketPath,
    method: 'POST',
    path: `/v1.41/build?version=1&rm=1&t=${encodeURIComponent(tag)}`,
    headers: { 'content-type': 'application/x-tar' },
  });
  const answered = new Promise<{ status: number; log: string }>((resolve, reject) => {
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, log: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  const source = Readable.from(chunks(body));
  const sent = gate ? pipeline(source, gate, req) : pipeline(source, req);
  const [s, a] = await Promise.allSettled([sent, answered]);
  return {
    ...(s.status === 'rejected' ? { sendError: s.reason as unknown } : {}),
    ...(a.status === 'fulfilled' ? a.value : {}),
  };
}

describe('context gate against a real engine', () => {
  let engine: DockerEngine;
  let server: Server;
  let port: number;
  let hits: string[] = [];

  async function imageExists(tag: string): Promise<boolean> {
    return (await engine.request('GET', `/images/${encodeURIComponent(tag)}/json`)).status === 200;
  }
  const imageCount = async () => (await engine.request('GET', '/images/json?all=1')).json<unknown[]>().length;

  before(async () => {
    engine = await startDockerEngine();
    await buildTestImage(engine, BASE);
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('fetched from the host\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server?.close();
    await engine?.stop();
  });

  it('control: without the gate, the engine fetches from the host loopback', async () => {
    hits = [];
    const tar = await tarOf({ Dockerfile: `FROM ${BASE}\nADD http://127.0.0.1:${port}/control /x\n` });
    const outcome = await build(engine, 'gate/control:1', tar);
    assert.equal(outcome.status, 200, outcome.log);
    assert.deepEqual(hits, ['/control']);
    assert.ok(await imageExists('gate/control:1'), outcome.log);
  });

  it('control: the engine builds at the end-of-archive block, before the request body ends', async () => {
    hits = [];
    // Go's reader stops at the end block; closing the body then reads at most 256 KiB more of it
    // (net/http's maxPostHandlerReadBytes), so padding past that lets the build start at once.
    const tar = Buffer.concat([
      await tarOf({ Dockerfile: `FROM ${BASE}\nADD http://127.0.0.1:${port}/early /x\n` }),
      TRAILER,
    ]);
    let bodyEnded = false;
    // Passes every byte at once but holds the end of the body for 2 s: holding only the end is not enough.
    const leaky = new Transform({
      transform: (chunk: Buffer, _e, cb) => cb(null, chunk),
      flush: (cb) =>
        setTimeout(() => {
          bodyEnded = true;
          cb();
        }, 2000),
    });
    const outcome = await build(engine, 'gate/early:1', tar, leaky);
    assert.match(outcome.log ?? '', /Successfully built/);
    assert.deepEqual(hits, ['/early']);
    assert.equal(bodyEnded, false, 'the engine answered before the body ended');
  });

  it('an allowed context builds through the gate, plain and gzipped', async () => {
    const tar = await tarOf({ 'hello.txt': 'hi\n', Dockerfile: `FROM ${BASE}\nCOPY hello.txt /hello.txt\n` });
    for (const [tag, body] of [
      ['gate/ok:plain', tar],
      ['gate/ok:gzip', gzipSync(tar)],
    ] as const) {
      const outcome = await build(engine, tag, body, buildContextGate({ dockerfile: null, buildArgs: {} }));
      assert.equal(outcome.sendError, undefined);
      assert.equal(outcome.status, 200);
      assert.match(outcome.log ?? '', /Successfully built/);
      assert.ok(await imageExists(tag));
    }
  });

  it('the builder falls back to a lowercase dockerfile, and the gate reads that one', async () => {
    const ok = await tarOf({ dockerfile: `FROM ${BASE}\nLABEL lower=yes\n` });
    const built = await build(engine, 'gate/lower:1', ok);
    assert.match(built.log ?? '', /Successfully built/);
    hits = [];
    const bad = await tarOf({ dockerfile: `FROM ${BASE}\nADD http://127.0.0.1:${port}/lower /x\n` });
    const refused = await build(
      engine,
      'gate/lower:2',
      bad,
      buildContextGate({ dockerfile: null, buildArgs: {} }),
    );
    assert.ok(refused.sendError instanceof EngineRefusal, String(refused.sendError));
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(hits, []);
    assert.equal(await imageExists('gate/lower:2'), false);
  });

  it('a refused context never lets the engine fetch or build, however long the decision takes', async () => {
    hits = [];
    const images = await imageCount();
    const tar = Buffer.concat([
      await tarOf({
        'data.bin': 'z'.repeat(100_000),
        Dockerfile: `FROM ${BASE}\nADD http://127.0.0.1:${port}/refused /x\n`,
      }),
      TRAILER,
    ]);
    let hitsAtDecision: number | undefined;
    const paths = dockerfilePaths(null);
    const gate = createTarGate({
      what: 'the build context',
      wanted: (name) => paths.includes(name),
      maxEntryBytes: 1 << 20,
      check: async (contents) => {
        // The engine has every byte but the held end for these 2 seconds: it must not act on them.
        await new Promise((r) => setTimeout(r, 2000));
        hitsAtDecision = hits.length;
        for (const dockerfile of contextDockerfiles(contents, paths, 1 << 20))
          for (const url of fetchedSources(dockerfile).urls)
            await checkFetchedUrl(url, "the Dockerfile's ADD source");
      },
    });
    const outcome = await build(engine, 'gate/refused:1', tar, gate);
    assert.ok(outcome.sendError instanceof EngineRefusal, String(outcome.sendError));
    assert.match((outcome.sendError as Error).message, /resolves to 127\.0\.0\.1, a loopback address/);
    assert.equal(hitsAtDecision, 0);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(hits, []);
    assert.equal(await imageExists('gate/refused:1'), false);
    assert.equal(await imageCount(), images);
  });
});
