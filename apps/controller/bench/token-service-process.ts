/**
 * A control plane for the registry benchmark's token-issuance row (`npm run bench:registry`), run as a
 * child process: `node --import tsx apps/controller/bench/token-service-process.ts DATA_DIR`. The registry
 * app does not import the controller (the controller depends on the registry), so the benchmark starts
 * this and talks to it over HTTPS, as docker does.
 *
 * It starts the control plane over a SQLite Store in DATA_DIR (as `stevedore up` does by default; the
 * default KDF cost, since a password grant's cost is part of what is measured), creates an access token
 * limited to registry use for the first administrator, and prints one JSON line: the URL, the cluster CA,
 * the registry's service name, the user, its password and the access token. SIGTERM closes it.
 */
import { request } from 'node:https';
import { startBenchPlane } from './bench-plane.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: token-service-process.ts DATA_DIR');
const { plane, store, password } = await startBenchPlane(dataDir);

function call(method: string, path: string, body: unknown, token?: string): Promise<string> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, plane.url),
      {
        method,
        ca: plane.clusterCaPem,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () =>
          (res.statusCode ?? 500) < 300
            ? resolve(text)
            : reject(new Error(`${path}: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const session = (
  JSON.parse(await call('POST', '/auth/login', { username: 'admin', password })) as {
    auth_token: string;
  }
).auth_token;
const created = JSON.parse(
  await call('POST', '/api/v1/me/tokens', { label: 'bench', scope: 'registry' }, session),
) as { token: string };
process.stdout.write(
  `${JSON.stringify({
    url: plane.url,
    caPem: plane.clusterCaPem,
    service: plane.registryAuth.service,
    user: 'admin',
    password,
    accessToken: created.token,
  })}\n`,
);
process.once(
  'SIGTERM',
  () =>
    void plane
      .close()
      .then(() => store.close())
      .then(() => process.exit(0)),
);
