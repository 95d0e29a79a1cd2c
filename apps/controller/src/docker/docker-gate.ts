/**
 * The door from the controller's port to the Docker API proxy. UCP's rule: a request that presents a client
 * certificate from the client CA and addresses an Engine API path goes to the proxy; everything else is
 * Stevedore's own API (and the dashboard). The dashboard reaches the same proxy at `/api/docker/…` with its
 * session's bearer token, so a browser sees exactly what that user's CLI would.
 *
 * Identity from a certificate: the certificate's public key names a client bundle on an account, looked up
 * on every request, so a revoked or expired bundle is refused on its very next call (keep-alive included).
 * A certificate the client CA did not sign never gets here: the connection is closed at the handshake
 * (server.ts).
 *
 * Each caller carries how to re-check it (`stillValid`): the proxy asks again, about once a second, for the
 * calls that are still running (hijacked attach and exec, followed logs, events), and cuts them when the
 * bundle was revoked or expired, the session ended, or the account was deactivated, removed or had its
 * admin flag changed (the caller's view of lists and events depends on it).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { AccessModelSync } from '@stevedore/access';
import { privateCollectionOf } from '@stevedore/authz';
import { isEnginePath, splitEnginePath, type DockerProxy, type ProxyCaller } from '@stevedore/docker-proxy';
import type { Identity } from '@stevedore/identity';

export const DASHBOARD_DOCKER_PREFIX = '/api/docker';

export interface DockerGate {
  /** True when the request was the Docker API's (answered or being answered). */
  request(req: IncomingMessage, res: ServerResponse): boolean;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

class Unauthenticated extends Error {}

const keyIds = new WeakMap<object, string>();

/**
 * The SHA-256 of the peer certificate's public key (what a bundle is recorded by), once per connection;
 * only for a certificate of the client CA (the handshake also accepts the cluster CA's, for node agents).
 */
function peerKeyId(socket: TLSSocket, clientCa: X509Certificate): string | undefined {
  if (!socket.authorized) return undefined;
  const cached = keyIds.get(socket);
  if (cached) return cached;
  const cert = socket.getPeerX509Certificate();
  if (!cert || !cert.checkIssued(clientCa) || !cert.verify(clientCa.publicKey)) return undefined;
  const id = createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  keyIds.set(socket, id);
  return id;
}

export function createDockerGate(deps: {
  proxy: DockerProxy;
  identity: Identity;
  sync: AccessModelSync;
  /** Only certificates of this CA name client bundles. */
  clientCaPem: string;
}): DockerGate {
  const clientCa = new X509Certificate(deps.clientCaPem);
  /** `credential` names the bundle or session; `check` says whether it still belongs to `name`. */
  const callerFor = (
    name: string,
    remoteAddress: string,
    credential: string,
    check: () => Promise<string | undefined>,
  ): ProxyCaller => {
    const user = deps.sync.model.users.get(name);
    if (!user?.active) throw new Unauthenticated(`the account ${name} is inactive or gone`);
    const { admin } = user;
    return {
      name,
      admin,
      defaultCollection: user.defaultCollection ?? privateCollectionOf(name),
      remoteAddress,
      // The admin flag is part of the key: callers of one key must re-check alike (live-calls.ts).
      credential: `${credential}:${admin ? 'admin' : 'user'}`,
      stillValid: async () => {
        if ((await check()) !== name) return false;
        const now = deps.sync.model.users.get(name);
        return now?.active === true && now.admin === admin;
      },
    };
  };

  /** Resolves the caller and the engine URL, or undefined when the request is not the Docker API's. */
  const route = (req: IncomingMessage): { url: string; caller: () => Promise<ProxyCaller> } | undefined => {
    const url = req.url ?? '/';
    const remote = req.socket.remoteAddress ?? '';
    const keyId = peerKeyId(req.socket as TLSSocket, clientCa);
    if (keyId !== undefined && isEnginePath(url)) {
      return {
        url,
        caller: async () => {
          const lookup = async () => (await deps.identity.bundles.lookup(keyId))?.user;
          const user = await lookup();
          if (!user) {
            throw new Unauthenticated(
              'this client bundle has been revoked or has expired: download a new one from /api/clientbundle',
            );
          }
          return callerFor(user, remote, `bundle:${keyId}`, lookup);
        },
      };
    }
    if (url.startsWith(`${DASHBOARD_DOCKER_PREFIX}/`)) {
      return {
        url: url.slice(DASHBOARD_DOCKER_PREFIX.length),
        caller: async () => {
          const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
          if (!token) throw new Unauthenticated('log in first: send "Authorization: Bearer <token>"');
          const { user } = await deps.identity.authenticate(token).catch(() => {
            throw new Unauthenticated('the session has ended or the token is invalid: log in again');
          });
          // The session's hash, not the token, names it (it is only a key in memory, but may be logged).
          const session = createHash('sha256').update(token).digest('hex');
          const check = () =>
            deps.identity.authenticate(token).then(
              (again) => again.user.name,
              () => undefined,
            );
          return callerFor(user.name, remote, `session:${session}`, check);
        },
      };
    }
    if (splitEnginePath(url).version !== undefined) {
      return {
        url,
        caller: () =>
          Promise.reject(
            new Unauthenticated(
              'the Docker API needs a client bundle: download one from /api/clientbundle, unzip it and `source env.sh`',
            ),
          ),
      };
    }
    return undefined;
  };

  const unauthenticated = (err: unknown): string =>
    err instanceof Unauthenticated ? err.message : 'could not authenticate the request';

  return {
    request(req, res) {
      const routed = route(req);
      if (!routed) return false;
      routed
        .caller()
        .then((caller) => deps.proxy.handle(req, res, caller, routed.url))
        .catch((err: unknown) => {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: unauthenticated(err) }));
        });
      return true;
    },
    upgrade(req, socket, head) {
      const routed = route(req);
      if (!routed) return false;
      // Node took its own error handler off the socket with the upgrade: a reset must not crash the process.
      socket.on('error', () => socket.destroy());
      routed
        .caller()
        .then((caller) => deps.proxy.handleUpgrade(req, socket, head, caller, routed.url))
        .catch((err: unknown) => {
          const body = JSON.stringify({ message: unauthenticated(err) });
          socket.end(
            `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          );
          // Nothing more is read from this connection: what the client still sends is dropped, then it closes.
          socket.on('data', () => undefined);
          setTimeout(() => socket.destroy(), 2000).unref();
        });
      return true;
    },
  };
}
