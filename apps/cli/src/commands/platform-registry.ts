/**
 * The registry as `stevedore up` runs it: the platform's registry, next to the controller. On its
 * defaults it listens on every interface with token auth (the controller's `/auth/token`) and serves the
 * controllers' certificate from the cluster CA (renewed with it, without a restart); `registry.*` in the
 * configuration overrides each part (an own certificate, `auth: none` on loopback for a trial).
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { registryDefaults, type Config } from '@stevedore/config';
import type { ControlPlane } from '@stevedore/controller';
import type { Jobs } from '@stevedore/jobs';
import { startRegistry, type RunningRegistry } from '@stevedore/registry';
import type { Store } from '@stevedore/store';

export interface PlatformRegistry {
  readonly port: number;
  /** The address to give users: the host name when listening on every interface. */
  readonly publicUrl: string;
  readonly loginHost: string;
  /** Served with the cluster CA's certificate (so the engine must trust that CA). */
  readonly tls: boolean;
  /** The names the engine may reach it by, for its trust directory. */
  readonly names: readonly string[];
  /** e.g. "TLS from the cluster CA, token auth". */
  readonly describe: string;
  close(): Promise<void>;
}

const ANY = ['0.0.0.0', '::', ''];

function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

/** The realm a client is sent to: the controller, at the host name the client used for the registry. */
function realmFor(plane: ControlPlane, fallbackHost: string) {
  return (requestHost: string | undefined): string => {
    const host = requestHost === undefined ? undefined : hostOfHeader(requestHost);
    const name = host !== undefined && plane.serverNames.includes(host) ? host : fallbackHost;
    return `https://${name.includes(':') ? `[${name}]` : name}:${plane.port}/auth/token`;
  };
}

/** The host part of a Host header (`name:port`, `[v6]:port`), or undefined when it is not well-formed. */
function hostOfHeader(header: string): string | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::\d{1,5})?$/.exec(header);
  return match ? (match[1] ?? match[2])?.toLowerCase() : undefined;
}

export async function startPlatformRegistry(options: {
  readonly config: Config;
  readonly store: Store;
  readonly jobs: Jobs;
  readonly plane: ControlPlane;
  readonly logger: Logger;
}): Promise<PlatformRegistry> {
  const { config, plane } = options;
  const r = config.registry;
  const defaults = registryDefaults('up');
  const listen = r.listen ?? defaults.listen;
  const auth = r.auth ?? defaults.auth;
  const own = r.tlsCert !== undefined && r.tlsKey !== undefined;
  const { host } = splitListen(listen);
  const fallbackHost = ANY.includes(host) ? hostname() : host;
  const running: RunningRegistry = await startRegistry({
    jobs: options.jobs,
    listen,
    dataDir: config.dataDir,
    store: options.store,
    auth,
    allowInsecureAuth: r.allowInsecureAuth,
    allowPlainHttp: r.allowPlainHttp,
    maxManifestBytes: r.maxManifestBytes,
    logger: options.logger,
    ...(own ? { tlsCert: r.tlsCert, tlsKey: r.tlsKey } : { tls: plane.serverTls() }),
    ...(auth === 'token'
      ? {
          token: {
            realm: realmFor(plane, fallbackHost),
            service: plane.registryAuth.service,
            issuer: plane.registryAuth.issuer,
            keys: () => plane.registryAuth.keys(),
            authorizer: {
              catalogFilter: (subject: string) =>
                plane.registryAuth.authorizer.pullFilter(plane.registryAuth.subjectOf(subject)),
              repositoryPushing: async (name: string, subject: string) => {
                await plane.registryAuth.authorizer.ensureOnPush(name, plane.registryAuth.subjectOf(subject));
              },
            },
          },
        }
      : {}),
  });
  plane.setRegistryAddress({ host: ANY.includes(host) ? null : host, port: running.port });
  // The shared certificate is renewed by a cluster job: the registry serves each new one at once.
  const stopFollowing = own ? () => undefined : plane.onServerTls((tls) => running.setCertificate(tls));
  const loginHost = `${fallbackHost.includes(':') ? `[${fallbackHost}]` : fallbackHost}:${running.port}`;
  return {
    port: running.port,
    publicUrl: ANY.includes(host) ? `https://${loginHost}` : running.url,
    loginHost: ANY.includes(host) ? loginHost : new URL(running.url).host,
    tls: !own,
    names: plane.serverNames,
    describe: `${own ? 'TLS from registry.tlsCert' : 'TLS from the cluster CA'}, ${auth === 'token' ? 'token auth' : 'no auth'}`,
    close: async () => {
      stopFollowing();
      await running.close();
    },
  };
}
