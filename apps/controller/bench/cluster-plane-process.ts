/**
 * The manager for `npm run bench:cluster`, run as a child process so its CPU and memory are its own:
 * `node --import tsx apps/controller/bench/cluster-plane-process.ts DATA_DIR DOCKER_HOST`. A control plane
 * over a SQLite Store in DATA_DIR (as `stevedore up` runs it) whose engine is the swarm manager at
 * DOCKER_HOST; it prints one JSON line (URL, cluster CA, admin password). So that its resident memory
 * follows what it holds rather than when V8 last collected, it runs a full collection every 2 s and then
 * writes its memory usage to DATA_DIR/memory.json (the benchmark reads it). SIGTERM closes it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startBenchPlane } from './bench-plane.js';

const [dataDir, dockerHost] = process.argv.slice(2);
if (dataDir === undefined || dockerHost === undefined) {
  throw new Error('usage: cluster-plane-process.ts DATA_DIR DOCKER_HOST');
}
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
// After each collection, what the heap holds, for the benchmark to read (RSS alone moves with the allocator).
const memoryFile = join(dataDir, 'memory.json');
setInterval(() => {
  gc();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  writeFileSync(memoryFile, JSON.stringify({ rss, heapUsed, external, arrayBuffers }));
}, 2_000).unref();

const { plane, store, password } = await startBenchPlane(dataDir, {
  dockerHost,
  identity: { kdf: { log2N: 10 } },
});
process.stdout.write(`${JSON.stringify({ url: plane.url, ca: plane.clusterCaPem, password })}\n`);
process.once('SIGTERM', () => {
  void plane
    .close()
    .then(() => store.close())
    .then(() => process.exit(0));
});
