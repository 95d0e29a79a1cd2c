/**
 * Runs the docker CLI against one private engine. The inherited environment is stripped of every DOCKER_*
 * variable before the engine's own are added, so a developer's DOCKER_CONTEXT, DOCKER_TLS_VERIFY or
 * ~/.docker can never redirect a test to another daemon.
 */
import { spawn } from 'node:child_process';
import { FailedPreconditionError } from '@stevedore/errors';

export interface DockerCliOptions {
  readonly input?: string | Buffer;
  readonly timeoutMs?: number;
  /** Extra variables for this one call (e.g. DOCKER_CONTENT_TRUST); applied last. */
  readonly env?: Record<string, string>;
}

export interface DockerCliResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** A docker CLI call that exited non-zero or timed out; keeps what a test needs to assert on. */
export class DockerCliError extends FailedPreconditionError {
  override readonly name: string = 'DockerCliError';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    reason: string,
  ) {
    super(`docker ${args.join(' ')} ${reason}: ${stderr.trim().slice(-2000) || '(no stderr)'}`, {
      detail: { args, exitCode },
    });
  }
}

/** process.env without DOCKER_*, plus `env`. */
export function dockerEnv(...envs: (Record<string, string> | undefined)[]): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('DOCKER_')) base[k] = v;
  return Object.assign(base, ...envs.filter(Boolean)) as NodeJS.ProcessEnv;
}

export function runDockerCli(
  binary: string,
  engineEnv: Record<string, string>,
  args: string[],
  options: DockerCliOptions = {},
): Promise<DockerCliResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env: dockerEnv(engineEnv, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolve({ stdout, stderr });
      const reason = timedOut
        ? `timed out after ${timeoutMs} ms`
        : code === null
          ? `was killed by ${signal ?? 'a signal'}`
          : `exited with code ${code}`;
      reject(new DockerCliError(args, code, stdout, stderr, reason));
    });
    // EPIPE when the CLI exits before reading its input is reported through 'close' instead.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}
