/**
 * `startRegistry`: the composition root of the registry server. Builds the blob driver and Store (or takes
 * injected ones), checks the start-up safety rules, listens (HTTP or TLS), and returns a `close()` that
 * drains: it stops accepting, lets in-flight requests finish (closing keep-alive connections as they go
 * idle), forces what remains after `drainTimeoutMs`, then closes the Store if it opened it.
 *
 * Plain `node:http` rather than fastify: measured on the manifest HEAD/GET hot path at concurrency 32
 * (fastify 5 with a catch-all route, a pass-through content-type parser and a hijacked reply, against this
 * handler on `node:http`), both served the same requests per second within noise. So fastify would add a
 * dependency without speed: routing is our own parser either way (repository names hold slashes, so
 * paths are parsed from the end), blob bodies must bypass its parsers as raw streams, and responses are
 * written directly.
 */
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { type BlobDriver, FilesystemBlobDriver } from '@stevedore/blobstore';
import { FailedPreconditionError, InvalidArgumentError, UnavailableError } from '@stevedore/errors';
import { AuditBatcher } from '@stevedore/audit';
import { Jobs } from '@stevedore/jobs';
import { TokenVerifier } from '@stevedore/registry-auth';
import { Registry } from '@stevedore/registry-core';
import { type Store, openStore } from '@stevedore/store';
import { createHandler } from './http/handler.js';
import { coalescingSink } from './http/request-audit.js';
import type { RegistryAuthorizer, TokenAuth } from './http/token-auth.js';
import { scheduleRegistryJobs } from './registry-jobs.js';
import { checkSafety, parseListen } from './safety.js';

export interface StartRegistryOptions {
  /** HOST:PORT; port 0 picks a free port. Default 127.0.0.1:5443. */
  readonly listen?: string;
  /** Blobs go under `<dataDir>/blobs` and the Store in `<dataDir>/store.db`, unless injected. */
  readonly dataDir?: string;
  readonly driver?: BlobDriver;
  /** Injected Store; the registry does not close it. */
  readonly store?: Store;
  /** 'none' (the default): anyone who reaches the registry may do anything. 'token': see `token`. */
  readonly auth?: 'none' | 'token';
  /** Docker registry token auth; required with `auth: 'token'`. */
  readonly token?: RegistryTokenOptions;
  readonly allowInsecureAuth?: boolean;
  /** Paths of the TLS certificate and key files. */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** The TLS certificate and key themselves (PEM), instead of files; `setCertificate` replaces them. */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
  readonly allowPlainHttp?: boolean;
  readonly maxManifestBytes?: number;
  readonly logger?: Logger;
  /** How long close() waits for in-flight requests before cutting connections. Default 30 s. */
  readonly drainTimeoutMs?: number;
  /** Unfinished uploads older than this are cancelled by the hourly sweep. Default 7 days. */
  readonly uploadMaxAgeMs?: number;
  /** How often the upload sweep runs in the cluster. Default 3600 s. */
  readonly sweepEverySeconds?: number;
  /**
   * The process's jobs (kinds, schedules and runner), shared with the controller in one process; absent,
   * the registry runs its own runner on its Store.
   */
  readonly jobs?: Jobs;
}

export interface RegistryTokenOptions {
  /**
   * The token service's URL, sent in challenges (`realm`); a function gets the request's Host header, so a
   * client is sent to the name it reached the registry by.
   */
  readonly realm: string | ((requestHost: string | undefined) => string);
  /** The audience tokens must be for, sent in challenges (`service`). */
  readonly service: string;
  /** The `iss` tokens must carry. */
  readonly issuer: string;
  /** A verifier to use; else one is built from `keys`. */
  readonly verifier?: TokenVerifier;
  /** The trusted signing certificates (PEM), read as tokens arrive (e.g. registry-auth's followTokenSigners). */
  readonly keys?: () => readonly string[];
  readonly authorizer?: RegistryAuthorizer;
}

function tokenAuth(options: StartRegistryOptions): TokenAuth | undefined {
  if (options.auth !== 'token') return undefined;
  const token = options.token;
  if (token === undefined || (token.verifier === undefined && token.keys === undefined)) {
    throw new InvalidArgumentError(
      'token auth needs the token service (realm), the service name, the issuer and the trusted signing keys',
      { detail: { field: 'registry.auth' } },
    );
  }
  const verifier =
    token.verifier ?? new TokenVerifier({ issuer: token.issuer, audience: token.service, keys: token.keys! });
  return {
    realm: token.realm,
    service: token.service,
    verifier,
    ...(token.authorizer ? { authorizer: token.authorizer } : {}),
  };
}

const SWEEP_EVERY_SECONDS = 60 * 60;

export interface RunningRegistry {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  /** Serves another certificate to new connections (a renewal), without a restart. TLS only. */
  setCertificate(next: { readonly certPem: string; readonly keyPem: string }): void;
  close(): Promise<void>;
}

async function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenFailure(err, host, port)));
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** A listen failure the user can act on, naming the address and the setting to change. */
function listenFailure(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why =
    err.code === 'EADDRINUSE'
      ? 'another process is listening there'
      : err.code === 'EACCES'
        ? 'ports below 1024 need root'
        : err.code === 'EADDRNOTAVAIL'
          ? 'no interface of this machine has that address'
          : undefined;
  if (why === undefined) return err;
  return new UnavailableError(
    `the registry cannot listen on ${address}: ${why}. Choose another address with --listen (registry.listen)`,
    { cause: err, detail: { field: 'registry.listen', listen: address } },
  );
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const log = options.logger ?? pino({ level: 'info' });
  const { host, port } = parseListen(options.listen ?? '127.0.0.1:5443');
  const { tlsCert, tlsKey } = options;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new InvalidArgumentError(
      'TLS needs both a certificate and a key: give --tls-cert and --tls-key together',
    );
  }
  if (options.tls !== undefined && tlsCert !== undefined) {
    throw new InvalidArgumentError(
      'give the TLS certificate either as files (--tls-cert/--tls-key) or in memory, not both',
    );
  }
  const tls = (tlsCert !== undefined && tlsKey !== undefined) || options.tls !== undefined;
  checkSafety({
    host,
    auth: options.auth ?? 'none',
    tls,
    allowInsecureAuth: options.allowInsecureAuth,
    allowPlainHttp: options.allowPlainHttp,
  });
  const auth = tokenAuth(options);
  if ((!options.driver || !options.store) && options.dataDir === undefined) {
    throw new InvalidArgumentError(
      'the registry needs a data directory (--data-dir), or an injected blob driver and Store',
    );
  }
  const driver = options.driver ?? new FilesystemBlobDriver(join(options.dataDir!, 'blobs'));
  const ownsStore = options.store === undefined;
  const store =
    options.store ?? (await openStore({ kind: 'sqlite', path: join(options.dataDir!, 'store.db') }));
  const registry = new Registry({
    store,
    driver,
    ...(options.maxManifestBytes !== undefined ? { maxManifestBytes: options.maxManifestBytes } : {}),
  });

  registry.start();
  // With token auth, pushes, pulls and deletes go to the audit log under the token's subject, batched.
  const audit = auth
    ? new AuditBatcher(store, {
        onError: (err: unknown) => log.error({ err }, 'could not write registry audit entries'),
      })
    : undefined;
  const requests = audit ? coalescingSink((record) => audit.add(record)) : undefined;
  const handler = createHandler(registry, log, auth, requests?.sink);
  const serverOptions = { requestTimeout: 0, headersTimeout: 60_000 };
  const server: Server = tls
    ? createTlsServer({
        ...serverOptions,
        ...(options.tls
          ? { cert: options.tls.certPem, key: options.tls.keyPem }
          : { cert: await readFile(tlsCert!), key: await readFile(tlsKey!) }),
      })
    : createServer(serverOptions);
  // A connection with no traffic for 5 minutes is cut: a stalled client must not hold an upload forever.
  // (requestTimeout is off: a 2 GiB push on a slow link may rightly take longer than any fixed bound.)
  server.setTimeout(5 * 60_000);
  let closing = false;
  server.on('request', (req, res) => {
    if (closing) res.setHeader('Connection', 'close');
    res.on('finish', () => closing && server.closeIdleConnections());
    handler(req, res).catch((err: unknown) => log.error({ err }, 'request handler failed'));
  });

  let address: AddressInfo;
  try {
    address = await listen(server, host, port);
  } catch (err) {
    registry.close();
    if (ownsStore) await store.close();
    throw err;
  }
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${urlHost}:${address.port}`;
  log.info({ url, tls, storage: driver.kind, store: store.kind }, 'registry listening');

  // The sweep is a cluster job: one run per interval in the cluster, on whichever runner claims it.
  const ownsJobs = options.jobs === undefined;
  const jobs =
    options.jobs ?? new Jobs(store, { onError: (err: unknown) => log.warn({ err }, 'job failed') });
  const stopSchedules = scheduleRegistryJobs(jobs, registry, log, {
    uploadMaxAgeMs: options.uploadMaxAgeMs ?? 7 * 24 * 60 * 60 * 1000,
    sweepEverySeconds: options.sweepEverySeconds ?? SWEEP_EVERY_SECONDS,
  });
  const runner = ownsJobs ? jobs.startRunner() : undefined;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      await stopSchedules();
      await runner?.close();
      if (ownsJobs) await jobs.close();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 30_000);
      await done;
      clearTimeout(timer);
      requests?.flush();
      await audit?.flush();
      registry.close();
      if (ownsStore) await store.close();
      log.info({ url }, 'registry stopped');
    })();
    return closed;
  };
  const setCertificate = (next: { readonly certPem: string; readonly keyPem: string }): void => {
    if (!tls)
      throw new FailedPreconditionError(
        'this registry serves plain HTTP: there is no certificate to replace',
      );
    (server as ReturnType<typeof createTlsServer>).setSecureContext({ cert: next.certPem, key: next.keyPem });
  };
  return { url, host: address.address, port: address.port, registry, setCertificate, close };
}
