/**
 * The upload sweep as a cluster job: an abandoned upload session is cancelled by the scheduled
 * `registry.sweep-uploads` job, which any process with the registry's Store can see in the jobs list.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Jobs } from '@stevedore/jobs';
import { createMemoryStore, type Store } from '@stevedore/store';
import { startRegistry, type RunningRegistry } from './server.js';
import { SWEEP_UPLOADS } from './registry-jobs.js';

describe('registry: the upload sweep is a scheduled cluster job', () => {
  let dir: string;
  let store: Store;
  let registry: RunningRegistry;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stevedore-sweep-'));
    store = createMemoryStore();
    registry = await startRegistry({
      listen: '127.0.0.1:0',
      dataDir: dir,
      store,
      logger: pino({ level: 'silent' }),
      uploadMaxAgeMs: 1,
      sweepEverySeconds: 1,
    });
  });
  after(async () => {
    await registry?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('cancels an abandoned upload, and the job says how many it removed', async () => {
    const started = await fetch(`${registry.url}/v2/lib/app/blobs/uploads/`, { method: 'POST' });
    assert.equal(started.status, 202);
    const location = new URL(started.headers.get('location')!, registry.url);
    const jobs = new Jobs(store);
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const status = await fetch(location);
        await status.arrayBuffer();
        const page = await jobs.list({ kind: SWEEP_UPLOADS });
        const swept = page.jobs.find((j) => (j.result as { expired?: number } | undefined)?.expired === 1);
        if (status.status === 404 && swept) {
          assert.equal(swept.state, 'succeeded');
          assert.equal(swept.schedule, SWEEP_UPLOADS);
          break;
        }
        assert.ok(
          Date.now() < deadline,
          `the session is still there (${status.status}) or no sweep removed it`,
        );
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await jobs.close();
    }
  });
});
