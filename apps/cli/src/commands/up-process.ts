/**
 * Test support: `stevedore up` as a child process, as the README runs it, waited for until it prints that
 * it is running, and stopped with Ctrl-C (SIGINT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const STEVEDORE_BIN = fileURLToPath(new URL('../../bin/stevedore.js', import.meta.url));

export interface UpProcess {
  readonly child: ChildProcess;
  stdout(): string;
}

export function startUp(args: readonly string[], env: Record<string, string>): Promise<UpProcess> {
  // Several tests run `up` on this machine at once: each node agent's engine proxy takes a free port.
  const port = args.includes('--engine-proxy-port') ? [] : ['--engine-proxy-port', '0'];
  const child = spawn(process.execPath, [STEVEDORE_BIN, 'up', ...port, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stevedore up did not come up:\n${out}\n${err}`)),
      90_000,
    );
    child.stdout.on('data', () => {
      if (out.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve({ child, stdout: () => out });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stevedore up exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/** Ctrl-C; resolves with the exit code. */
export function stopUp(running: UpProcess): Promise<number | null> {
  return new Promise((resolve) => {
    running.child.removeAllListeners('exit');
    if (running.child.exitCode !== null) return resolve(running.child.exitCode);
    running.child.on('exit', (code) => resolve(code));
    running.child.kill('SIGINT');
  });
}
