/**
 * What the proxy benchmark lists and reads, created straight through the engine's unix socket (not through
 * the proxy, so setup costs nothing in the figures), labelled into /Shared/bench unless told otherwise:
 * - running containers (`sleep 100000`), so `containers/json?all=1` lists live containers as a user's would;
 * - replicated services with 0 replicas, so the list is long while no task runs;
 * - one container that writes a given number of bytes to stdout in 100-byte lines and exits, so a followed
 *   log read ends at EOF.
 *
 * Swarm writes go through the manager's raft log one at a time, so more than a few service creates in
 * flight only queue: 8 measured best (500 services in ~35 s on two cores).
 */
import type { DockerEngine } from '@stevedore/testkit';
import { BENCH_LABELS, IMAGE } from './bench-platform.js';

const LONG_MS = 15 * 60_000;

async function must(engine: DockerEngine, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await engine.request(method, path, body, { timeoutMs: LONG_MS });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body.toString()}`);
  return res.body.length > 0 ? res.json<unknown>() : undefined;
}

/** Runs `task(i)` for i in [0, count) with at most `width` in flight. */
async function pooled(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

/** Labels of the i-th resource made; the bench's own collection for all of them by default. */
export type LabelsOf = (i: number) => Record<string, string>;
const inBench: LabelsOf = () => BENCH_LABELS;

/** Running containers named `<prefix>-<i>`; returns their ids. */
export async function createRunningContainers(
  engine: DockerEngine,
  count: number,
  labelsOf: LabelsOf = inBench,
  prefix = 'bench-sleep',
): Promise<string[]> {
  const ids: string[] = [];
  await pooled(count, 8, async (i) => {
    const { Id } = (await must(engine, 'POST', `/containers/create?name=${prefix}-${i}`, {
      Image: IMAGE,
      Cmd: ['sleep', '100000'],
      Labels: labelsOf(i),
    })) as { Id: string };
    await must(engine, 'POST', `/containers/${Id}/start`);
    ids.push(Id);
  });
  return ids;
}

export async function removeContainers(engine: DockerEngine, ids: readonly string[]): Promise<void> {
  await pooled(ids.length, 8, async (i) => {
    await must(engine, 'DELETE', `/containers/${ids[i]}?force=1`);
  });
}

/** Replicated services with 0 replicas named `<prefix>-<i>`. */
export async function createIdleServices(
  engine: DockerEngine,
  count: number,
  labelsOf: LabelsOf = inBench,
  prefix = 'bench-svc',
): Promise<void> {
  await pooled(count, 8, async (i) => {
    await must(engine, 'POST', '/services/create', {
      Name: `${prefix}-${i}`,
      Labels: labelsOf(i),
      TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: ['sleep', '100000'] } },
      Mode: { Replicated: { Replicas: 0 } },
    });
  });
}

/** A finished container whose stdout log holds exactly `bytes` bytes (a multiple of 100); returns its id. */
export async function createChattyContainer(engine: DockerEngine, bytes: number): Promise<string> {
  const line = 'x'.repeat(99); // + '\n' from `yes`: 100-byte lines, the json-file driver's usual diet
  const { Id } = (await must(engine, 'POST', '/containers/create?name=bench-chatty', {
    Image: IMAGE,
    Cmd: ['sh', '-c', `yes ${line} | head -c ${bytes}`],
    Labels: BENCH_LABELS,
  })) as { Id: string };
  await must(engine, 'POST', `/containers/${Id}/start`);
  const { StatusCode } = (await must(engine, 'POST', `/containers/${Id}/wait`)) as { StatusCode: number };
  if (StatusCode !== 0) throw new Error(`the log-writing container exited with ${StatusCode}`);
  return Id;
}
