// `stevedore up` as the README runs it, against a private Docker Engine, checked with the real curl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { dockerEnv, ensureBinary, freePort, startDockerEngine, type DockerEngine } from '@stevedore/testkit';
import { STEVEDORE_BIN as bin, startUp as startUpWith, stopUp } from './up-process.js';

const exec = promisify(execFile);
const PASSWORD = 'first-admin-password';

async function curl(args: string[]): Promise<string> {
  const { stdout } = await exec('curl', ['-sS', '--fail-with-body', ...args]);
  return stdout;
}

describe('stevedore up', () => {
  let engine: DockerEngine;
  let dataDir: string;
  let args: string[];
  let base: string;
  let ca: string;
  // The engine's trust directory is the machine's; this run's CA goes to a directory of its own.
  const startUp = (upArgs: string[]) =>
    startUpWith(upArgs, {
      STEVEDORE_ADMIN_PASSWORD: PASSWORD,
      STEVEDORE_REGISTRY_ENGINE_CERTS_DIR: join(dataDir, 'certs.d'),
    });

  before(async () => {
    engine = await startDockerEngine({ swarm: true });
    dataDir = await mkdtemp(join(tmpdir(), 'stevedore-up-'));
    const port = await freePort();
    base = `https://127.0.0.1:${port}`;
    ca = join(dataDir, 'pki', 'cluster-root-ca.pem');
    args = [
      '--docker-host',
      engine.host,
      '--data-dir',
      dataDir,
      '--listen',
      `127.0.0.1:${port}`,
      '--registry-listen',
      `127.0.0.1:${await freePort()}`,
    ];
  });
  after(async () => {
    await engine?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('brings up a controller that curl --cacert reaches, where the admin works and reads the audit log', async () => {
    const running = await startUp(args);
    try {
      assert.match(running.stdout(), /Swarm mode: already on; this node \(\w+\) is a manager/);
      assert.match(running.stdout(), /First admin: admin, with the password from STEVEDORE_ADMIN_PASSWORD/);
      assert.doesNotMatch(running.stdout(), new RegExp(PASSWORD));
      assert.equal(await curl(['--cacert', ca, `${base}/_ping`]), 'OK');

      const login = JSON.parse(
        await curl([
          '--cacert',
          ca,
          '-H',
          'content-type: application/json',
          '-d',
          JSON.stringify({ username: 'admin', password: PASSWORD }),
          `${base}/auth/login`,
        ]),
      ) as { auth_token: string };
      const auth = [
        '--cacert',
        ca,
        '-H',
        `authorization: Bearer ${login.auth_token}`,
        '-H',
        'content-type: application/json',
      ];
      await curl([...auth, '-d', '{"name":"acme"}', `${base}/api/v1/orgs`]);
      await curl([...auth, '-d', '{"name":"dev"}', `${base}/api/v1/orgs/acme/teams`]);
      await curl([...auth, '-d', '{"name":"alice","password":"alice-password"}', `${base}/api/v1/users`]);
      await curl([...auth, '-d', '{"path":"/Shared/dev"}', `${base}/api/v1/collections`]);
      await curl([
        ...auth,
        '-d',
        '{"subject":{"kind":"team","id":"acme/dev"},"roleId":"full-control","collection":"/Shared/dev"}',
        `${base}/api/v1/grants`,
      ]);
      const audit = JSON.parse(await curl([...auth, `${base}/api/v1/audit?actor=admin`])) as {
        items: { action: string }[];
      };
      assert.deepEqual(
        audit.items.map((e) => e.action),
        ['auth.login', 'org.create', 'team.create', 'user.create', 'collection.create', 'grant.create'],
      );
      // Without the cluster CA, curl does not trust the controller.
      await assert.rejects(curl([`${base}/_ping`]));
    } finally {
      assert.equal(await stopUp(running), 0, 'Ctrl-C stops cleanly');
    }
  });

  it('resumes from the same data dir: same CA, same accounts, no new admin', async () => {
    const first = await curl(['--cacert', ca, `${base}/ca`]).catch(() => undefined);
    assert.equal(first, undefined, 'stopped before');
    const running = await startUp(args);
    try {
      assert.doesNotMatch(running.stdout(), /First admin/);
      assert.equal(await curl(['--cacert', ca, `${base}/_ping`]), 'OK');
      const login = await curl([
        '--cacert',
        ca,
        '-H',
        'content-type: application/json',
        '-d',
        '{"username":"alice","password":"alice-password"}',
        `${base}/auth/login`,
      ]);
      assert.match(login, /auth_token/);

      // A client bundle from curl, `source env.sh`, and the docker CLI reaches the engine through Stevedore.
      const token = (JSON.parse(login) as { auth_token: string }).auth_token;
      const bundleDir = await mkdtemp(join(dataDir, 'bundle-'));
      const zip = join(bundleDir, 'bundle.zip');
      await curl([
        '--cacert',
        ca,
        '-H',
        `authorization: Bearer ${token}`,
        '-o',
        zip,
        `${base}/api/clientbundle`,
      ]);
      for (const [name, bytes] of Object.entries(unzipSync(await readFile(zip)))) {
        if (name.endsWith('/')) continue;
        await mkdir(join(bundleDir, name, '..'), { recursive: true });
        await writeFile(join(bundleDir, name), bytes, { mode: 0o600 });
      }
      const docker = await ensureBinary('docker', 'docker.io');
      const { stdout } = await exec(
        'bash',
        [
          '-c',
          `source ${bundleDir}/env.sh && "$0" version --format '{{range .Server.Components}}{{.Name}} {{end}}'`,
          docker,
        ],
        { env: dockerEnv({ DOCKER_CONFIG: join(bundleDir, 'docker-config') }) },
      );
      assert.match(stdout, /Engine .*Stevedore/);
    } finally {
      assert.equal(await stopUp(running), 0);
    }
  });

  it('refuses a bad flag before touching anything', async () => {
    await assert.rejects(
      exec(process.execPath, [bin, 'up', '--listen', 'nowhere', '--data-dir', dataDir]),
      (err: { stderr: string; code: number }) => {
        assert.equal(err.code, 2);
        assert.match(
          err.stderr,
          /INVALID_ARGUMENT: invalid configuration: controller\.listen \(from flag --listen\)/,
        );
        return true;
      },
    );
  });
});
