/** A tiny HTTPS client for tests that trusts only the cluster CA, as `curl --cacert ca.pem` would. */
import { request } from 'node:https';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export function apiClient(baseUrl: string, ca: string) {
  return function call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; rawBody?: string; contentType?: string } = {},
  ): Promise<ApiResponse> {
    const payload =
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = {};
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, baseUrl), { method, headers, ca }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          }),
        );
      });
      req.on('error', reject);
      req.end(payload);
    });
  };
}
