/**
 * The parent's handle on the benchmark's load client (load-worker.ts), which runs as a process of its own:
 * the client's work, TLS decryption above all, then does not share an event loop (or the RSS figure) with
 * the proxy it measures, just as a docker CLI would not. Commands go over the fork's IPC channel, one at a
 * time; each answer carries only figures, never bodies. The proxy is called as alice unless a command says
 * `as` another identity given with `addIdentity` (each identity has its own keep-alive connection).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientBundle } from './bench-platform.js';

/** `floor`: the bare HTTPS pipe of floor-proxy.ts, called with alice's bundle. */
export type Target = 'direct' | 'proxy' | 'floor';

export interface Targets {
  /** The engine's unix socket (plain HTTP). */
  readonly socketPath: string;
  /** The controller's HTTPS port on 127.0.0.1, reached with a client bundle (mTLS). */
  readonly proxyPort: number;
  readonly bundle: ClientBundle;
  /** floor-proxy.ts's HTTPS port on 127.0.0.1, reached with the same bundle. */
  readonly floorPort?: number;
}

interface Calling {
  readonly target: Target;
  /** The identity that calls the proxy (ignored for direct); alice by default. */
  readonly as?: string;
}

export type Command = Calling &
  (
    | { readonly kind: 'latency'; readonly path: string; readonly count: number }
    /** Like latency, but each request on a new connection (TCP and TLS handshakes included), as a CLI run. */
    | { readonly kind: 'cold'; readonly path: string; readonly count: number }
    | { readonly kind: 'count'; readonly path: string }
    | { readonly kind: 'stream'; readonly path: string }
    /** POSTs `body` `count` times, timing each; removes each container it made (untimed) through the same target. */
    | {
        readonly kind: 'create';
        readonly path: string;
        readonly body: string;
        readonly count: number;
      }
  );

/** Makes another identity known to the load client, for commands that say `as: name`. */
export interface Identity {
  readonly kind: 'identity';
  readonly name: string;
  readonly bundle: ClientBundle;
}

export interface Answer {
  /** Per request, milliseconds from `request()` to the last body byte (latency). */
  readonly durationsMs?: number[];
  /** Items in the JSON list answered (count). */
  readonly items?: number;
  /** Body bytes read and seconds taken (stream). */
  readonly bytes?: number;
  readonly seconds?: number;
  readonly error?: string;
}

export class LoadClient {
  private readonly child: ChildProcess;
  private pending: { resolve(a: Answer): void; reject(e: Error): void } | undefined;

  constructor(targets: Targets) {
    const worker = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
    this.child = fork(worker, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (answer: Answer) => {
      const pending = this.pending;
      this.pending = undefined;
      if (answer.error !== undefined) pending?.reject(new Error(`load client: ${answer.error}`));
      else pending?.resolve(answer);
    });
    this.child.on('exit', (code) => {
      this.pending?.reject(new Error(`the load client exited (${code})`));
      this.pending = undefined;
    });
    // The bundle's key goes over IPC, never into argv or the environment.
    this.child.send(targets);
  }

  run(command: Command): Promise<Answer> {
    if (this.pending) throw new Error('the load client runs one command at a time');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(command);
    });
  }

  /** Resolves once the load client holds the identity (the next command may use it). */
  addIdentity(name: string, bundle: ClientBundle): Promise<Answer> {
    if (this.pending) throw new Error('the load client runs one command at a time');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send({ kind: 'identity', name, bundle } satisfies Identity);
    });
  }

  close(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}
