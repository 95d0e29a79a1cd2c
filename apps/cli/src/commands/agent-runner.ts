/**
 * How the CLI's agent runs a component: as a child process of the same `stevedore` command
 * (`stevedore agent component NAME`), started through `setpriv --pdeathsig` where available so it ends with
 * the agent, and counted as started once it prints `ready`. Killing the child is a component dying: the
 * agent's reconciler starts it again.
 */
import { spawn } from 'node:child_process';
import type { ComponentName, ComponentRunner, RunningComponent } from '@stevedore/agent';
import { findBinary } from '@stevedore/host';

const READY_TIMEOUT_MS = 30_000;

export function childProcessRunner(options: {
  readonly names: readonly ComponentName[];
  /** The arguments after `stevedore` that run one component. */
  readonly argsFor: (name: ComponentName) => readonly string[];
  readonly log: (line: string) => void;
}): ComponentRunner {
  return {
    names: options.names,
    start: async (name) => {
      const setpriv = await findBinary('setpriv');
      const args = [process.argv[1]!, ...options.argsFor(name)];
      const [command, commandArgs] = setpriv
        ? [setpriv, ['--pdeathsig', 'SIGTERM', '--', process.execPath, ...args]]
        : [process.execPath, args];
      const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
      // A spawn that fails (no such binary, no memory) is this start failing, not the agent crashing.
      const spawnFailed = new Promise<string>((resolve) =>
        child.once('error', (err) => resolve(`could not start: ${err.message}`)),
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr = (stderr + d).slice(-2000);
      });
      const exited = Promise.race([
        spawnFailed,
        new Promise<string>((resolve) =>
          child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
        ),
      ]);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${name} did not say it was ready within ${READY_TIMEOUT_MS / 1000} s`));
        }, READY_TIMEOUT_MS);
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (/^ready\b/m.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((how) => {
          clearTimeout(timer);
          reject(new Error(`${name} ${how} before it was ready: ${stderr.trim().split('\n').pop() ?? ''}`));
        });
      });
      options.log(`${name}: running (pid ${child.pid})`);
      const running: RunningComponent = {
        pid: child.pid,
        exited,
        stop: async () => {
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        },
      };
      return running;
    },
  };
}

/** The runner of this version's components (the engine proxy), as `stevedore agent` and `up` run them. */
export function nodeComponentRunner(options: {
  readonly dataDir: string;
  readonly dockerHost: string;
  readonly engineProxyPort: number;
  readonly log: (line: string) => void;
}): ComponentRunner {
  return childProcessRunner({
    names: ['engine-proxy'],
    argsFor: (name) => [
      'agent',
      'component',
      name,
      '--data-dir',
      options.dataDir,
      '--docker-host',
      options.dockerHost,
      '--engine-proxy-port',
      String(options.engineProxyPort),
    ],
    log: options.log,
  });
}
