/**
 * A child Node process running a TypeScript script (through tsx, as the repo's other children do) that
 * reports progress as lines on stdout; the parent waits for lines and SIGKILLs it.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  /** Every line the child printed so far. */
  readonly lines: readonly string[];
  /** Resolves with the first line (past or future) matching `pattern`; rejects if the child exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGKILL, then wait until it is gone; rejects if it had exited by itself. */
  kill(): Promise<void>;
}

export function spawnChild(script: string, args: readonly string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let exit: string | undefined;
  createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<void>((resolve) =>
    proc.once('close', (code, signal) => {
      exit = signal ?? `code ${code}`;
      for (const wake of waiters) wake();
      resolve();
    }),
  );
  return {
    lines,
    waitForLine: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const finish = (err?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (match) resolve(match);
          else reject(err ?? new Error('unreachable'));
        };
        const check = () => {
          for (const line of lines) {
            const match = line.match(pattern);
            if (match) return finish(undefined, match);
          }
          if (exit !== undefined)
            finish(
              new Error(
                `the child exited (${exit}) before printing ${pattern}; it printed:\n${lines.join('\n')}`,
              ),
            );
        };
        waiters.add(check);
        check();
      }),
    kill: async () => {
      if (exit === undefined) proc.kill('SIGKILL');
      await closed;
      if (exit !== 'SIGKILL') throw new Error(`the child exited by itself (${exit}) instead of being killed`);
    },
  };
}
