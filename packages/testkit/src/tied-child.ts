/**
 * A child process that dies with its parent: started through setpriv's parent-death signal when the
 * machine has setpriv (setpriv execs, so the pid stays the child's), so a killed test or benchmark leaves
 * no server behind. Standard input is closed; stdout and stderr are pipes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { UnavailableError } from '@stevedore/errors';
import { findBinary } from './install.js';

export async function spawnTiedToParent(
  binary: string,
  args: readonly string[],
  options: { readonly signal?: 'SIGKILL' | 'SIGTERM'; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<ChildProcess> {
  const setpriv = await findBinary('setpriv');
  const spawnOptions = {
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
  };
  return setpriv
    ? spawn(setpriv, ['--pdeathsig', options.signal ?? 'SIGKILL', '--', binary, ...args], spawnOptions)
    : spawn(binary, [...args], spawnOptions);
}

export interface LineChild {
  /** The first line the child printed on stdout. */
  readonly line: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<void>;
}

/**
 * A server script run with tsx as a tied child, which prints one line (its address, or a JSON of what it
 * serves) once it is ready. Rejects with the end of its stderr when it exits first or takes too long.
 */
export async function startLineChild(
  what: string,
  script: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<LineChild> {
  const child = await spawnTiedToParent(process.execPath, ['--import', 'tsx', script, ...args]);
  let errors = '';
  child.stderr?.on('data', (c: Buffer) => (errors = (errors + c.toString('utf8')).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new UnavailableError(`${what} did not start within ${timeoutMs / 1000} s: ${errors}`));
    }, timeoutMs);
    child.stdout?.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      const end = text.indexOf('\n');
      if (end !== -1) {
        clearTimeout(timer);
        resolve(text.slice(0, end));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new UnavailableError(`${what} exited (${code}) before serving: ${errors}`));
    });
  });
  return {
    line,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
