/**
 * A child process that dies with its parent: started through setpriv's parent-death signal when the
 * machine has setpriv (setpriv execs, so the pid stays the child's), so a killed test or benchmark leaves
 * no server behind. Standard input is closed; stdout and stderr are pipes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
