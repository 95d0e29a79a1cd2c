/**
 * The platform registry through the Docker API proxy, as `stevedore up` runs both: the docker CLI with a
 * user's client bundle (DOCKER_HOST/DOCKER_TLS_VERIFY/DOCKER_CERT_PATH from its env.sh) and her registry
 * login makes a swarm service whose task pulls the private image with her credentials
 * (`--with-registry-auth`). Without them, or with the credentials of a user who may run services but not
 * read the repository, no task runs from that image, and `docker pull` through the proxy is refused: what
 * is pulled is decided by the registry, never by the proxy alone.
 *
 * Swarm tasks pull on the one private engine, which would run a task from an image it already holds even
 * when the pull fails (swarmkit's fallback), so every case starts with the image gone from the engine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { DockerCliError, runDockerCli, type DockerCliResult } from '@stevedore/testkit';
import { CLIS, startPlatform, type Platform } from './platform-fixture.js';

const refused = /denied|not found|unauthorized/i;
const DEADLINE_MS = 120_000;

type Cli = (args: string[], input?: string) => Promise<DockerCliResult>;

/** Polls `probe` until it returns a value, or fails with the last thing it saw once the deadline passes. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, seen: () => string): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      assert.fail(`${what}: still not so after ${DEADLINE_MS} ms; last seen ${seen()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the platform registry through the Docker API proxy', () => {
  let p: Platform;
  let image: string;
  let digest: string;
  const bundles: Record<string, Cli> = {};

  function download(path: string, token: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const url = `https://127.0.0.1:${p.controllerPort}${path}`;
      request(url, { ca: p.caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`GET ${path}: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8')}`)),
        );
      })
        .on('error', reject)
        .end();
    });
  }

  /** The docker CLI through the user's own client bundle, with a docker config (registry logins) of its own. */
  async function bundleOf(user: string): Promise<Cli> {
    const token = await p.login(user, `${user}-password`);
    const dir = await mkdtemp(join(p.dataDir, `bundle-${user}-`));
    for (const [name, bytes] of Object.entries(unzipSync(await download('/api/clientbundle', token)))) {
      if (name.endsWith('/')) continue;
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), bytes, { mode: 0o600 });
    }
    const host = /^export DOCKER_HOST=(\S+)$/m.exec(await readFile(join(dir, 'env.sh'), 'utf8'))?.[1];
    assert.equal(host, `tcp://127.0.0.1:${p.controllerPort}`, 'the bundle points at the controller');
    await mkdir(join(dir, 'docker-config'));
    const env = {
      DOCKER_HOST: host,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: dir,
      DOCKER_CONFIG: join(dir, 'docker-config'),
    };
    return (args, input) =>
      runDockerCli(CLIS['docker 28.2'], env, args, {
        ...(input !== undefined ? { input } : {}),
        timeoutMs: 120_000,
      });
  }

  /** Removes every reference to acme/app from the engine (tags and digests), so a task must pull. */
  async function forgetImage(): Promise<void> {
    const repo = `${p.registry}/acme/app`;
    const listed = await p.engine.docker([
      'image',
      'ls',
      '--digests',
      '--format',
      '{{.Tag}} {{.Digest}}',
      repo,
    ]);
    for (const line of listed.stdout.split('\n').filter(Boolean)) {
      const [tag, imageDigest] = line.split(' ');
      if (tag && tag !== '<none>') await p.engine.docker(['rmi', `${repo}:${tag}`]);
      if (imageDigest && imageDigest !== '<none>') {
        await p.engine.docker(['rmi', `${repo}@${imageDigest}`]).catch((err: unknown) => {
          // Untagging the last tag of a repository also drops its digests.
          if (!(err instanceof DockerCliError && /No such image/i.test(err.stderr))) throw err;
        });
      }
    }
    const left = await p.engine.docker(['image', 'ls', '--quiet', repo]);
    assert.equal(left.stdout.trim(), '', `the engine still holds ${repo}`);
  }

  /** The tasks of a service as the engine has them: current state and error. */
  async function tasks(service: string): Promise<{ state: string; error: string }[]> {
    const ps = await p.engine.docker([
      'service',
      'ps',
      '--no-trunc',
      '--format',
      '{{.CurrentState}}\t{{.Error}}',
      service,
    ]);
    return ps.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [state = '', error = ''] = line.split('\t');
        return { state, error };
      });
  }

  const createService = (cli: Cli, name: string, withRegistryAuth: boolean) =>
    cli([
      'service',
      'create',
      '--detach',
      ...(withRegistryAuth ? ['--with-registry-auth'] : []),
      '--name',
      name,
      '--constraint',
      'node.role==manager',
      '--restart-condition',
      'none',
      image,
      'sleep',
      '3600',
    ]);

  const specImage = async (service: string) =>
    (
      await p.engine.docker([
        'service',
        'inspect',
        '--format',
        '{{.Spec.TaskTemplate.ContainerSpec.Image}}',
        service,
      ])
    ).stdout.trim();

  /** What the engine logged about a failed pull for one service's tasks. */
  const pullFailures = async (serviceId: string) =>
    (await readFile(p.engine.logPath, 'utf8'))
      .split('\n')
      .filter((line) => line.includes('pulling image failed') && line.includes(`service.id=${serviceId}`));

  /**
   * Creates the service, waits for its one task to end without ever running, and checks why: the engine
   * could not pin the tag to a digest, its pull was denied by the registry (dockerd's log; swarmkit keeps
   * only the container create's error in the task), and nothing of the image was shown.
   */
  async function refusedService(cli: Cli, service: string, withRegistryAuth: boolean): Promise<void> {
    const id = (await createService(cli, service, withRegistryAuth)).stdout.trim();
    assert.match(id, /^[0-9a-z]{25}$/);
    let last: { state: string; error: string }[] = [];
    const task = await until(
      `a task of ${service} ends`,
      async () => {
        last = await tasks(service);
        assert.ok(!last.some((t) => /^Running/.test(t.state)), `${service} ran: ${JSON.stringify(last)}`);
        return last.find((t) => /^(Rejected|Failed)/.test(t.state));
      },
      () => JSON.stringify(last),
    );
    assert.match(task.error, new RegExp(`No such image: ${image.replace(/[.:/]/g, '\\$&')}`));
    assert.equal(await specImage(service), image, 'the registry gave no digest to pin');
    const failures = await until(
      `the engine logs the failed pull for ${service}`,
      async () => {
        const lines = await pullFailures(id);
        return lines.length > 0 ? lines : undefined;
      },
      () => 'no "pulling image failed" line for the service',
    );
    for (const line of failures) {
      assert.match(
        line,
        /pull access denied for .*acme\/app.*denied: requested access to the resource is denied/,
      );
      assert.doesNotMatch(line, new RegExp(digest.slice(7)));
    }
    await cli(['service', 'rm', service]);
  }

  before(async () => {
    p = await startPlatform('up-registry-proxy');
    image = `${p.registry}/acme/app:proxy`;
    // Alice pushes the test image (on the engine directly, with her registry login).
    const alice = await p.dockerAs('docker 28.2', 'alice');
    await alice(['login', '-u', 'alice', '--password-stdin', p.registry], 'alice-password');
    await alice(['tag', 'stevedore/busybox:test', image]);
    const pushed = await alice(['push', image]);
    const found = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
    assert.ok(found, pushed.stdout);
    digest = found;

    // Alice and bob may run services in /Shared/dev, where the engine's one node is placed; only alice
    // may read acme/app in the registry.
    await p.must('POST', '/api/v1/collections', { path: '/Shared/dev' });
    for (const user of ['alice', 'bob'])
      await p.must('POST', '/api/v1/grants', {
        subject: { kind: 'user', id: user },
        roleId: 'restricted-control',
        collection: '/Shared/dev',
      });
    const node = (await p.engine.docker(['node', 'ls', '--quiet'])).stdout.trim();
    await p.engine.docker(['node', 'update', '--label-add', 'io.stevedore.collection=/Shared/dev', node]);
    for (const user of ['alice', 'bob']) {
      const cli = await bundleOf(user);
      const login = await cli(['login', '-u', user, '--password-stdin', p.registry], `${user}-password`);
      assert.match(login.stdout, /Login Succeeded/);
      bundles[user] = cli;
    }
  });
  after(async () => {
    if (p) assert.equal(await p.stop(), 0, 'Ctrl-C stops cleanly');
  });

  it('--with-registry-auth: the task pulls the private image with her credentials and runs', async () => {
    await forgetImage();
    const id = (await createService(bundles['alice']!, 'app', true)).stdout.trim();
    let last: { state: string; error: string }[] = [];
    await until(
      'the task of app runs',
      async () => {
        last = await tasks('app');
        return last.find((t) => /^Running/.test(t.state));
      },
      () => JSON.stringify(last),
    );
    // The engine pinned the tag to the digest alice pushed, asking the registry with her credentials, and
    // pulled it: the digest is on the engine again, and no pull failed.
    assert.equal(await specImage('app'), `${image}@${digest}`);
    const held = await p.engine.docker([
      'image',
      'ls',
      '--digests',
      '--format',
      '{{.Digest}}',
      `${p.registry}/acme/app`,
    ]);
    assert.ok(held.stdout.split('\n').includes(digest), held.stdout);
    assert.deepEqual(await pullFailures(id), []);
    await bundles['alice']!(['service', 'rm', 'app']);
  });

  it('without her credentials, the same service gets no running task: the registry refused the pull', async () => {
    await forgetImage();
    await refusedService(bundles['alice']!, 'app-anonymous', false);
  });

  it('a user who may run services but not read the repository gets no running task', async () => {
    await forgetImage();
    await refusedService(bundles['bob']!, 'app-bob', true);
  });

  it('docker pull through the proxy is authorized by the registry: bob is refused, alice is not', async () => {
    await forgetImage();
    const denied = await bundles['bob']!(['pull', image]).then(
      () => assert.fail('bob pulled a private repository through the proxy'),
      (err: unknown) => err as DockerCliError,
    );
    assert.ok(denied instanceof DockerCliError);
    assert.match(denied.stderr, refused);
    assert.doesNotMatch(denied.stderr + denied.stdout, new RegExp(digest.slice(7)));
    const left = await p.engine.docker(['image', 'ls', '--quiet', `${p.registry}/acme/app`]);
    assert.equal(left.stdout.trim(), '', 'nothing was pulled');

    const pulled = await bundles['alice']!(['pull', image]);
    assert.match(pulled.stdout, new RegExp(`Digest: ${digest}`));
  });
});
