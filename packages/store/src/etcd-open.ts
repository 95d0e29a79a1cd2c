/**
 * Connecting to etcd: checks the options, builds the etcd3 client (TLS, user auth) and makes one call, so a
 * wrong endpoint or certificate fails at startup with UnavailableError instead of at the first request.
 */
import { circuitBreaker, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { InvalidArgumentError } from '@stevedore/errors';
import type { Store } from './contract.js';
import { BREAKER_HALF_OPEN_MS } from './etcd-codec.js';
import { EtcdStore } from './etcd-store.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. `['https://10.0.0.1:2379', 'https://10.0.0.2:2379']`. */
  readonly endpoints: readonly string[];
  /** PEM of the CA that signed the etcd servers' certificates (enables TLS). */
  readonly ca?: string | Buffer;
  /** PEM client certificate and key, for etcd's `--client-cert-auth`. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** etcd's own user authentication, if enabled. */
  readonly username?: string;
  readonly password?: string;
  /** How long to wait for a connection before failing a call (ms); default 5000. */
  readonly dialTimeoutMs?: number;
}

const pem = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);

export async function openEtcdStore(options: EtcdStoreOptions): Promise<Store> {
  const endpoints: readonly string[] = options.endpoints ?? [];
  if (
    !Array.isArray(endpoints) ||
    endpoints.length === 0 ||
    endpoints.some((e) => typeof e !== 'string' || !e)
  ) {
    throw new InvalidArgumentError(
      "the etcd store needs endpoints, e.g. { endpoints: ['https://10.0.0.1:2379'] }",
      { detail: { field: 'endpoints' } },
    );
  }
  if ((options.cert === undefined) !== (options.key === undefined) || (options.cert && !options.ca)) {
    throw new InvalidArgumentError(
      'etcd client TLS needs ca, cert and key together (cert and key need a ca)',
      {
        detail: { field: 'cert' },
      },
    );
  }
  const config: IOptions = {
    hosts: Array.from(endpoints),
    dialTimeout: options.dialTimeoutMs ?? 5000,
    // etcd3 stops sending to a member after 3 failures in a row and tries it again 5 s later; a member
    // that came back (a quorum healed) is tried again after 1 s instead (BREAKER_HALF_OPEN_MS).
    // gRPC backs off reconnecting to a member that went away up to 2 minutes; a member that came back
    // (a quorum healed) is tried again within a second instead.
    grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 1000 },
    faultHandling: {
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: BREAKER_HALF_OPEN_MS,
          breaker: new ConsecutiveBreaker(3),
        }),
    },
  };
  if (options.ca) {
    config.credentials = {
      rootCertificate: pem(options.ca),
      ...(options.key ? { privateKey: pem(options.key) } : {}),
      ...(options.cert ? { certChain: pem(options.cert) } : {}),
    };
  }
  if (options.username !== undefined) {
    config.auth = { username: options.username, password: options.password ?? '' };
  }
  const tls = {
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.cert ? { cert: options.cert } : {}),
    ...(options.key ? { key: options.key } : {}),
  };
  const store = new EtcdStore(new Etcd3(config), endpoints, tls);
  try {
    await store.revision();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
