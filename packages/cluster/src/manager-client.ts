/**
 * A node's HTTPS client to a manager. The first call (`readManagerCa`) is the only one that does not verify
 * the manager: it fetches `/ca`, which the join token's digest then vouches for; every later call trusts
 * that CA alone (a pin), and an agent's calls present the node certificate.
 */
import { X509Certificate } from 'node:crypto';
import { request, type RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import {
  AlreadyExistsError,
  FailedPreconditionError,
  NotFoundError,
  ResourceExhaustedError,
  InvalidArgumentError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
} from '@stevedore/errors';

const TIMEOUT_MS = 30_000;

interface Answer {
  readonly status: number;
  readonly text: string;
  /** Our side of the connection: the address the manager sees this node at. */
  readonly localAddress: string | undefined;
}

function exchange(
  url: URL,
  options: RequestOptions,
  body?: unknown,
  maxBytes = 16 * 1024 * 1024,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ...options,
        agent: false,
        timeout: TIMEOUT_MS,
        headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new Error(`the answer is larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            localAddress: (res.socket as TLSSocket | null)?.localAddress,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) =>
      reject(new UnavailableError(`cannot reach the manager at ${url.origin}: ${err.message}`)),
    );
    req.end(payload);
  });
}

/** The manager's URL as given on the command line: https, a host, no path. */
export function managerUrlOf(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not a URL: give the manager as https://HOST:8443`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new InvalidArgumentError(`the manager URL must be https://HOST:PORT, not ${url.protocol}//…`);
  }
  return new URL(url.origin);
}

/** A `/ca` answer is one certificate of a few hundred bytes; an unverified server gets no more than this. */
const MAX_CA_BYTES = 64 * 1024;

/**
 * The manager's CA, unverified (the caller checks it against the join token), and our address to it.
 * Exactly one certificate, and a CA's, is accepted, and it is returned re-encoded: the pin is the very
 * certificate the digest covers, never more text that came with it (a second certificate appended by a
 * man in the middle would otherwise be trusted too).
 */
export async function readManagerCa(
  manager: URL,
): Promise<{ caPem: string; localAddress: string | undefined }> {
  const answer = await exchange(
    new URL('/ca', manager),
    { method: 'GET', rejectUnauthorized: false },
    undefined,
    MAX_CA_BYTES,
  );
  const refused = (why: string) =>
    new FailedPreconditionError(
      `${manager.origin} did not answer /ca with its CA certificate (${why}): is it a Stevedore manager?`,
    );
  if (answer.status !== 200) throw refused(`status ${answer.status}`);
  const blocks = answer.text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) throw refused(`${blocks.length} certificates, not one`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0]);
  } catch {
    throw refused('not a readable certificate');
  }
  if (!cert.ca) throw refused('the certificate is not a CA');
  return { caPem: `${cert.toString().trim()}\n`, localAddress: answer.localAddress };
}

const ERRORS: Record<string, new (message: string) => Error> = {
  INVALID_ARGUMENT: InvalidArgumentError,
  UNAUTHENTICATED: UnauthenticatedError,
  PERMISSION_DENIED: PermissionDeniedError,
  FAILED_PRECONDITION: FailedPreconditionError,
  NOT_FOUND: NotFoundError,
  ALREADY_EXISTS: AlreadyExistsError,
  RESOURCE_EXHAUSTED: ResourceExhaustedError,
};

export class ManagerClient {
  constructor(
    readonly manager: URL,
    private readonly caPem: string,
    private readonly cert?: { readonly certPem: string; readonly keyPem: string },
  ) {}

  /** One JSON call; the manager's refusal comes back as the error of its code, with its message. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await exchange(
      new URL(path, this.manager),
      {
        method,
        ca: this.caPem,
        ...(this.cert ? { cert: this.cert.certPem, key: this.cert.keyPem } : {}),
      },
      body,
    ).catch((err: unknown) => {
      if (err instanceof Error && /certificate|self.signed|altname/i.test(err.message)) {
        throw new FailedPreconditionError(
          `the manager's TLS certificate does not verify against the cluster CA of the token (${err.message}); is ${this.manager.origin} the manager the token came from?`,
        );
      }
      throw err;
    });
    if (answer.status >= 200 && answer.status < 300) {
      return (answer.text ? JSON.parse(answer.text) : undefined) as T;
    }
    let message = `the manager answered ${answer.status}`;
    let code = '';
    try {
      const parsed = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.message === 'string') message = parsed.error.message;
      if (typeof parsed.error?.code === 'string') code = parsed.error.code;
    } catch {
      // keep the status line
    }
    // The manager's stable code says what it was; a body without one is the network's or a proxy's.
    const ErrorClass = ERRORS[code] ?? UnavailableError;
    throw new ErrorClass(message);
  }
}
