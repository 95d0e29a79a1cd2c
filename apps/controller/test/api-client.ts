/** A tiny HTTPS client for tests that trusts only the cluster CA, as `curl --cacert ca.pem` would. */
import { request } from 'node:https';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The raw body, for binary answers (client bundles). */
  readonly bytes: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export function apiClient(baseUrl: string, ca: string) {
  return function call(
    method: string,
    path: string,
    options: {
      token?: string;
      body?: unknown;
      rawBody?: string;
      contentType?: string;
      /** Extra headers, e.g. another Host; then `servername` names the certificate to expect. */
      headers?: Record<string, string>;
      servername?: string;
      /** A client certificate to present (a node's, a bundle's). */
      cert?: { readonly certPem: string; readonly keyPem: string };
    } = {},
  ): Promise<ApiResponse> {
    const payload =
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = { ...options.headers };
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    return new Promise((resolve, reject) => {
      const tls = {
        ca,
        ...(options.servername ? { servername: options.servername } : {}),
        ...(options.cert ? { cert: options.cert.certPem, key: options.cert.keyPem, agent: false } : {}),
      };
      const req = request(new URL(path, baseUrl), { method, headers, ...tls }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            bytes,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  };
}
