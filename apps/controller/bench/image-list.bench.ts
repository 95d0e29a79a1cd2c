/**
 * What image ownership costs `GET /images/json`: the engine directly, an administrator through the proxy
 * (no filtering) and a non-administrator through it (one Store range read of every record, each tag
 * judged), with 200 tags on 200 images: 100 imported by alice through the proxy (private, recorded) and
 * 100 imported on the engine directly (shared, unrecorded). bob sees the 100 shared ones.
 *
 * `node --import tsx apps/controller/bench/image-list.bench.ts` (about a minute).
 */
import { Agent, request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { strFromU8 } from 'fflate';
import { PASSWORD, startPlatform } from '../test/docker/platform.js';

const TAGS_EACH = 100;
const ROUNDS = 500;

/** A tar holding one small file: the body of an import. */
function tinyTar(i: number): Buffer {
  const data = Buffer.from(`image ${i}\n`);
  const h = Buffer.alloc(512);
  h.write('file', 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc(512 - data.length), Buffer.alloc(1024)]);
}

type Call = (method: string, path: string, body?: Buffer) => Promise<{ status: number; body: string }>;

function collect(res: IncomingMessage): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    res.on('error', reject);
  });
}

async function main() {
  const platform = await startPlatform('0.1.0-bench');
  try {
    for (const name of ['alice', 'bob'])
      await platform.asAdmin('POST', '/api/v1/users', { name, password: PASSWORD });
    const agent = new Agent({ keepAlive: true });
    const proxyCall = async (who: string): Promise<Call> => {
      const files = await platform.bundleOf(await platform.login(who));
      const pem = (n: string) => strFromU8(files[n]!);
      const options = { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem') };
      return (method, path, body) =>
        new Promise((resolve, reject) => {
          const req = httpsRequest(
            { host: '127.0.0.1', port: platform.plane.port, method, path, ...options, agent },
            (res) => void collect(res).then(resolve, reject),
          );
          req.on('error', reject);
          req.end(body);
        });
    };
    const direct: Call = (method, path, body) =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ socketPath: platform.engine.socketPath, method, path }, (res) => {
          void collect(res).then(resolve, reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    const alice = await proxyCall('alice');
    const bob = await proxyCall('bob');
    const admin = await proxyCall('admin');
    for (let i = 0; i < TAGS_EACH; i++) {
      const a = await alice('POST', `/v1.41/images/create?fromSrc=-&repo=alice/img&tag=${i}`, tinyTar(i));
      if (a.status !== 200) throw new Error(`alice import: ${a.status} ${a.body}`);
      await direct('POST', `/v1.41/images/create?fromSrc=-&repo=shared/img&tag=${i}`, tinyTar(1000 + i));
    }
    const count = async (call: Call) =>
      (JSON.parse((await call('GET', '/v1.41/images/json')).body) as unknown[]).length;
    console.log(
      `images listed: engine ${await count(direct)}, admin ${await count(admin)}, bob ${await count(bob)}, alice ${await count(alice)}`,
    );
    const measure = async (label: string, call: Call) => {
      for (let i = 0; i < 20; i++) await call('GET', '/v1.41/images/json');
      const times: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const t = performance.now();
        await call('GET', '/v1.41/images/json');
        times.push(performance.now() - t);
      }
      times.sort((p, q) => p - q);
      const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
      console.log(`${label.padEnd(34)} median ${at(0.5)} ms  p95 ${at(0.95)} ms  max ${at(1)} ms`);
    };
    await measure('engine directly', direct);
    await measure('admin through the proxy', admin);
    await measure('bob through the proxy (filtered)', bob);
    await measure('alice through the proxy (filtered)', alice);
    agent.destroy();
  } finally {
    await platform.stop();
  }
}

await main();
