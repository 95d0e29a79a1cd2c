/**
 * A node's HTTPS client to a manager. The first call (`readManagerCa`) is the only one that does not verify
 * the manager: it fetches `/ca`, which the join token's digest then vouches for; every later call trusts
 * that CA alone (a pin), and an agent's calls present the node certificate.
 */
import { request, type RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import {
  FailedPreconditionError,
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

function exchange(url: URL, options: RequestOptions, body?: unknown): Promise<Answer> {
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
        res.on('data', (c: Buffer) => chunks.push(c));
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

/** The manager's CA, unverified (the caller checks it against the join token), and our address to it. */
export async function readManagerCa(
  manager: URL,
): Promise<{ caPem: string; localAddress: string | undefined }> {
  const answer = await exchange(new URL('/ca', manager), { method: 'GET', rejectUnauthorized: false });
  if (answer.status !== 200 || !answer.text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new FailedPreconditionError(
      `${manager.origin} did not answer /ca with a certificate (status ${answer.status}): is it a Stevedore manager?`,
    );
  }
  return { caPem: answer.text, localAddress: answer.localAddress };
}

const ERRORS: Record<number, new (message: string) => Error> = {
  400: InvalidArgumentError,
  401: UnauthenticatedError,
  403: PermissionDeniedError,
  412: FailedPreconditionError,
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
    try {
      const parsed = JSON.parse(answer.text) as { error?: { message?: string } };
      if (parsed.error?.message) message = parsed.error.message;
    } catch {
      // keep the status line
    }
    const ErrorClass = ERRORS[answer.status] ?? UnavailableError;
    throw new ErrorClass(message);
  }
}
