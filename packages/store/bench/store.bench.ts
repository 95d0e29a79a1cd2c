/**
 * Store benchmark: the embedded SQLite store (temp file) against a private single-member etcd (via testkit),
 * both through the Store contract, so the numbers include what our code adds. Each measurement runs for a
 * fixed time, so the whole run is bounded (about a minute). Run: `npm run bench:store`.
 *
 * Both stores fsync every commit (SQLite: WAL + synchronous=FULL; etcd: its WAL), so on the same disk
 * the comparison is fair for durability; etcd also pays gRPC and Raft on every call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '@stevedore/testkit';
import { openEtcdStore, openSqliteStore, type Store } from '../src/index.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const CONCURRENCY = 16;

/** Runs `op(i)` with `concurrency` in flight for SECONDS; returns operations per second. */
async function rate(concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) await op(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return next / ((performance.now() - start) / 1000);
}

/** Writes with CONCURRENCY in flight while one watcher counts deliveries; events/s until the last arrives. */
async function watchRate(store: Store, prefix: string): Promise<number> {
  const from = (await store.revision()) + 1;
  const watch = store.watch(prefix, { fromRevision: from });
  let delivered = 0;
  let lastAt = performance.now();
  const counting = (async () => {
    for await (const _event of watch) {
      delivered++;
      lastAt = performance.now();
    }
  })();
  const start = performance.now();
  let written = 0;
  await rate(CONCURRENCY, (i) => store.put(`${prefix}${i % 1000}`, `v${i}`).then(() => written++));
  while (delivered < written) await new Promise((r) => setTimeout(r, 5));
  watch.close();
  await counting;
  return delivered / ((lastAt - start) / 1000);
}

type Metric = readonly [name: string, run: (store: Store) => Promise<number>];

const value = 'x'.repeat(256);
const txnMod = new Map<Store, number>();
const METRICS: readonly Metric[] = [
  ['put/s, sequential', (store) => rate(1, (i) => store.put(`/bench/seq/${i}`, value))],
  [
    `put/s, ${CONCURRENCY} in flight`,
    (store) => rate(CONCURRENCY, (i) => store.put(`/bench/par/${i}`, value)),
  ],
  ['get/s, sequential', (store) => rate(1, (i) => store.get(`/bench/seq/${i % 500}`))],
  [
    `get/s, ${CONCURRENCY} in flight`,
    (store) => rate(CONCURRENCY, (i) => store.get(`/bench/seq/${i % 500}`)),
  ],
  [
    'txn/s (compare modRevision + put)',
    async (store) => {
      txnMod.set(store, (await store.put('/bench/txn', '0')).revision);
      return rate(1, async (i) => {
        const r = await store.txn({
          compares: [{ key: '/bench/txn', target: 'modRevision', equals: txnMod.get(store)! }],
          success: [{ type: 'put', key: '/bench/txn', value: String(i) }],
        });
        if (!r.succeeded) throw new Error('benchmark txn lost its compare');
        txnMod.set(store, r.revision);
      });
    },
  ],
  [`watch events/s (${CONCURRENCY} writers)`, (store) => watchRate(store, '/bench/watch/')],
];

const dir = mkdtempSync(join(tmpdir(), 'stevedore-bench-'));
const etcd = await startEtcd();
try {
  const sqlite = openSqliteStore({ path: join(dir, 'bench.db') });
  const etcdStore = await openEtcdStore({ endpoints: [etcd.endpoint] });
  console.error(`sqlite: ${join(dir, 'bench.db')}; etcd: ${etcd.endpoint}; ${SECONDS} s per cell`);
  // Row by row, sqlite then etcd, so a burst of load from elsewhere on the machine hits both columns alike.
  const rows: string[][] = [];
  for (const [name, run] of METRICS) {
    const x = await run(sqlite);
    const y = await run(etcdStore);
    rows.push([name, x.toFixed(0), y.toFixed(0), `${(x / y).toFixed(2)}x`]);
    console.error(`  ${name}: done`);
  }
  await sqlite.close();
  await etcdStore.close();

  const header = ['metric', 'sqlite', 'etcd', 'sqlite/etcd'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  console.log(line(header));
  console.log(
    '| ' + widths.map((w, i) => (i === 0 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ') + ' |',
  );
  for (const r of rows) console.log(line(r));
} finally {
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
}
