/**
 * `--profile DIR`: a CPU profile of the controller (this process: the control plane runs in it) while each
 * row runs, written as DIR/<row>.cpuprofile (open it in Chrome's DevTools, Performance tab), with the
 * functions that took the most self time printed beside the table. Profiling slows the process it
 * samples, so profiled runs are for finding where time goes, not for the figures.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Profiler {
  /** Runs `body` under the profiler (when profiling) and returns what it returns. */
  around<T>(row: string, body: () => Promise<T>): Promise<T>;
  /** The top self-time functions of each profiled row. */
  readonly summaries: string[];
}

export function createProfiler(dir: string | undefined): Profiler {
  const summaries: string[] = [];
  if (dir === undefined) return { around: (_row, body) => body(), summaries };
  const session = new Session();
  session.connect();
  return {
    summaries,
    async around(row, body) {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      try {
        return await body();
      } finally {
        const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
        await session.post('Profiler.disable');
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, `${row}.cpuprofile`), JSON.stringify(profile));
        summaries.push(`${row}: ${topSelf(profile, 12)}`);
      }
    },
  };
}

/** The `count` functions with the most self time, as "name (file:line) share%". */
export function topSelf(profile: CpuProfile, count: number): string {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    if (!frame) return;
    const file = frame.url.split('/').slice(-2).join('/');
    const key = `${frame.functionName || '(anonymous)'} (${file}:${frame.lineNumber + 1})`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `${key} ${((100 * us) / total).toFixed(1)}%`)
    .join('; ');
}
