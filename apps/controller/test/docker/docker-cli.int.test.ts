/**
 * The Docker API through Stevedore, driven by the real docker CLI with real client bundles against a
 * private engine in Swarm mode (see cluster.ts for the accounts and grants). Each case is what a user
 * would type, and what they should see: allowed, filtered, the engine's own 404, or refused with the rule.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '@stevedore/pki';
import { startReferenceRegistry, type DockerCliError } from '@stevedore/testkit';
import { IMAGE, startDockerCluster, type DockerCluster } from './cluster.js';
import { cliExpect } from './expect.js';
import { pingOver, rawExchange } from './raw-tls.js';

const DEV = ['--label', 'io.stevedore.collection=/Shared/dev'];
const SERVICE_CREATE = ['service', 'create', '--detach', '--no-resolve-image'];

describe('docker CLI through the authorizing proxy', () => {
  let cluster: DockerCluster;
  let x: ReturnType<typeof cliExpect>;

  before(async () => {
    cluster = await startDockerCluster();
    x = cliExpect(cluster);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('shows Stevedore as a server component and negotiates the API version', async () => {
    const out = await x.ok('bob', ['version', '--format', '{{json .Server.Components}}']);
    const components = JSON.parse(out) as { Name: string; Version: string }[];
    assert.deepEqual(components.at(-1), {
      Name: 'Stevedore',
      Version: '0.1.0-test',
      Details: { Role: 'authorizing Engine API proxy' },
    });
    assert.equal((await x.ok('bob', ['version', '--format', '{{.Client.APIVersion}}'])).trim(), '1.41');
  });

  it('lets alice create in /Shared/dev and in her default collection', async () => {
    await x.ok('alice', ['network', 'create', '--driver', 'overlay', ...DEV, 'devnet']);
    await x.ok('alice', ['volume', 'create', ...DEV, 'devdata']);
    await x.ok('alice', ['secret', 'create', ...DEV, 'devsecret', '-'], { input: 's3cret' });
    await x.ok('alice', ['config', 'create', ...DEV, 'devconfig', '-'], { input: 'setting=1' });
    await x.ok('alice', [
      ...SERVICE_CREATE,
      '--name',
      'web',
      ...DEV,
      '--network',
      'devnet',
      '--secret',
      'devsecret',
      '--config',
      'devconfig',
      '--mount',
      'type=volume,source=devdata,target=/data',
      IMAGE,
      'sleep',
      '1000',
    ]);
    await x.ok('alice', [...SERVICE_CREATE, '--name', 'alice-private', IMAGE, 'sleep', '1000']);
    const labels = await x.ok('admin', [
      'service',
      'inspect',
      '--format',
      '{{index .Spec.Labels "io.stevedore.collection"}}',
      'web',
      'alice-private',
    ]);
    assert.deepEqual(labels.trim().split('\n'), ['/Shared/dev', '/Shared/Private/alice']);
    await x.ok('admin', ['run', '-d', '--name', 'admin-only', IMAGE, 'sleep', '1000']);
    await x.ok('bob', ['run', '-d', '--name', 'bob-box', IMAGE, 'sleep', '1000']);
  });

  it('filters lists to what each account may see', async () => {
    assert.deepEqual(await x.names('alice', 'service'), ['alice-private', 'web']);
    assert.deepEqual(await x.names('bob', 'service'), ['web']);
    assert.deepEqual(await x.names('bob', 'network'), ['devnet']);
    assert.deepEqual(await x.names('bob', 'volume'), ['devdata']);
    assert.deepEqual(await x.names('bob', 'secret'), ['devsecret']);
    assert.deepEqual(await x.names('bob', 'config'), ['devconfig']);
    assert.equal((await x.names('bob', 'node', '{{.ID}}')).length, 1);
    assert.ok((await x.names('admin', 'network')).includes('bridge'));
    // Containers: bob's own, and web's task (in /Shared/dev, like its service); not admin's or alice's.
    const bobSees = await x.names('bob', 'container');
    assert.ok(bobSees.includes('bob-box'), bobSees.join());
    assert.ok(
      bobSees.some((n) => n.startsWith('web.1.')),
      bobSees.join(),
    );
    assert.ok(
      !bobSees.includes('admin-only') && !bobSees.some((n) => n.startsWith('alice-private.')),
      bobSees.join(),
    );
    assert.ok((await x.names('admin', 'container')).includes('admin-only'));
  });

  it("answers the engine's own 404 for what an account may not see", async () => {
    await x.fails('bob', ['container', 'inspect', 'admin-only'], /No such container: admin-only/);
    await x.fails('bob', ['service', 'inspect', 'alice-private'], /no such service|not found/i);
    await x.fails(
      'bob',
      ['network', 'inspect', 'bridge'],
      /No such network: bridge|network bridge not found/,
    );
    await x.fails('bob', ['stop', 'admin-only'], /No such container: admin-only/);
    await x.fails('alice', ['rm', 'bob-box'], /No such container: bob-box/);
    await x.fails('alice', ['exec', 'bob-box', 'true'], /No such container: bob-box/);
    assert.ok((await x.names('bob', 'container')).includes('bob-box'));
  });

  it('refuses what a role lacks, saying which rule refused it', async () => {
    await x.fails(
      'bob',
      ['service', 'rm', 'web'],
      /service\.remove on \/Shared\/dev is not allowed.*View Only/,
    );
    await x.fails('bob', ['service', 'scale', 'web=2'], /service\.update on \/Shared\/dev is not allowed/);
    await x.fails('bob', ['secret', 'rm', 'devsecret'], /secret\.remove on \/Shared\/dev is not allowed/);
    const nodeId = (await x.ok('bob', ['node', 'ls', '-q'])).trim();
    await x.fails(
      'bob',
      ['node', 'update', '--label-add', 'team=bob', nodeId],
      /node\.update on \/Shared\/dev is not allowed/,
    );
    await x.fails('bob', ['swarm', 'join-token', 'worker'], /needs an administrator/);
    // Off the only node bob may schedule on, he can run neither a service nor a plain container.
    await cluster.asAdmin('POST', '/api/v1/collections', { path: '/Shared/ops' });
    const relabel = (path: string) =>
      x.ok('admin', ['node', 'update', '--label-add', `io.stevedore.collection=${path}`, nodeId]);
    await relabel('/Shared/ops');
    try {
      await x.fails('bob', [...SERVICE_CREATE, IMAGE, 'true'], /may not schedule on any node/);
      await x.fails(
        'bob',
        ['run', '--rm', IMAGE, 'true'],
        /running a container on this engine's node is refused: node\.schedule on \/Shared\/ops/,
      );
    } finally {
      await relabel('/Shared/dev');
    }
  });

  it('keeps Restricted Control inside its containers', async () => {
    const run = ['run', '--rm'];
    await x.fails(
      'bob',
      ['exec', 'bob-box', 'true'],
      /container\.exec on \/Shared\/Private\/bob is not allowed.*Restricted Control/,
    );
    await x.fails(
      'bob',
      [...run, '-v', '/etc:/host-etc', IMAGE, 'true'],
      /bind mount of host path \/etc is refused/,
    );
    await x.fails(
      'bob',
      [...run, '--mount', 'type=bind,source=/tmp,target=/t', IMAGE, 'true'],
      /bind mount of host path \/tmp/,
    );
    await x.fails('bob', [...run, '--privileged', IMAGE, 'true'], /privileged mode is refused/);
    await x.fails(
      'bob',
      [...run, '--net', 'host', IMAGE, 'true'],
      /NetworkMode "host" shares the host's namespace is refused/,
    );
    await x.fails('bob', [...run, '--pid', 'host', IMAGE, 'true'], /PidMode "host"/);
    await x.fails(
      'bob',
      [...run, '--cap-add', 'NET_ADMIN', IMAGE, 'true'],
      /added capabilities (CAP_)?NET_ADMIN is refused/,
    );
    await x.fails('bob', [...run, '--device', '/dev/null:/dev/x', IMAGE, 'true'], /host devices is refused/);
    await x.fails(
      'bob',
      ['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', 'device=/etc', 'etc'],
      /volume driver options \(.*device=\/etc.*\) is refused/,
    );
    await x.fails('bob', ['network', 'create', '-d', 'macvlan', 'lan'], /host's segment \(driver macvlan\)/);
    // Others' volumes and containers' files are theirs.
    await x.fails(
      'bob',
      [...run, '-v', 'devdata:/data', IMAGE, 'true'],
      /using volume devdata is refused: volume\.use on \/Shared\/dev is not allowed/,
    );
    const web = (await x.ok('bob', ['ps', '-q', '--filter', 'name=web.1'])).trim();
    await x.fails(
      'bob',
      [...run, '--volumes-from', web, IMAGE, 'true'],
      /container\.archive on \/Shared\/dev is not allowed/,
    );
    await x.ok('bob', ['volume', 'create', 'bob-only']);
    await x.fails('alice', [...run, '-v', 'bob-only:/data', IMAGE, 'true'], /volume name bob-only is taken/);
    await x.fails('alice', ['volume', 'create', 'bob-only'], /volume name bob-only is taken/);
    // Named volumes are fine, and one that does not exist yet is made in the caller's collection.
    await x.ok('bob', [...run, '-v', 'bobdata:/data', IMAGE, 'true']);
    assert.ok((await x.names('bob', 'volume')).includes('bobdata'));
  });

  it('passes interactive sessions, exec, logs and builds through', async () => {
    const tty = await x.ok('bob', ['run', '--rm', '-i', IMAGE, 'sh', '-c', 'read line; echo got:$line'], {
      input: 'hello\n',
    });
    assert.equal(tty.trim(), 'got:hello');
    const web = (await x.ok('alice', ['ps', '-q', '--filter', 'name=web.1'])).trim();
    assert.equal((await x.ok('alice', ['exec', web, 'cat', '/run/secrets/devsecret'])).trim(), 's3cret');
    await x.ok('alice', [
      'run',
      '-d',
      '--name',
      'talker',
      ...DEV,
      IMAGE,
      'sh',
      '-c',
      'for i in 1 2 3; do echo line$i; sleep 0.3; done',
    ]);
    assert.equal((await x.ok('alice', ['logs', '-f', 'talker'])).trim(), 'line1\nline2\nline3');
    await x.fails('bob', ['logs', 'talker'], /container\.logs on \/Shared\/dev is not allowed/);
    const dockerfile = `FROM ${IMAGE}\nRUN echo built > /built\n`;
    await x.ok('alice', ['build', '-q', '-t', 'alice/app:1', '-'], { input: dockerfile });
    assert.equal((await x.ok('alice', ['run', '--rm', 'alice/app:1', 'cat', '/built'])).trim(), 'built');
  });

  it('streams stats, and pushes and pulls images with their progress', async () => {
    assert.match(await x.ok('bob', ['stats', '--no-stream', '--format', '{{.Name}}', 'bob-box']), /bob-box/);
    const registry = await startReferenceRegistry({ parentDir: cluster.dataDir });
    try {
      const ref = `${registry.host}/alice/app:1`;
      await x.ok('alice', ['tag', IMAGE, ref]);
      assert.match(await x.ok('alice', ['push', ref]), /digest: sha256:[0-9a-f]{64}/);
      await x.ok('alice', ['rmi', ref]);
      assert.match(await x.ok('alice', ['pull', ref]), /Status: Downloaded newer image|Image is up to date/);
      // The engine's own errors come back as they are.
      await x.fails('bob', ['rmi', 'no-such-image:1'], /No such image/);
    } finally {
      await registry.stop();
    }
  });

  it('gives real terminals to run -it and exec -it', async () => {
    const inTty = await x.ok('bob', ['run', '--rm', '-it', IMAGE, 'sh', '-c', 'test -t 0 && echo tty:yes'], {
      tty: true,
    });
    assert.match(inTty, /tty:yes/);
    const web = (await x.ok('alice', ['ps', '-q', '--filter', 'name=web.1'])).trim();
    assert.match(
      await x.ok('alice', ['exec', '-it', web, 'sh', '-c', 'test -t 1 && echo exec-tty:yes'], { tty: true }),
      /exec-tty:yes/,
    );
  });

  it('uploads build contexts and follows service logs', async () => {
    const context = await mkdtemp(join(cluster.dataDir, 'context-'));
    await writeFile(join(context, 'Dockerfile'), `FROM ${IMAGE}\nCOPY message.txt /message.txt\n`);
    await writeFile(join(context, 'message.txt'), 'from the context\n');
    await x.ok('alice', ['build', '-q', '-t', 'alice/ctx:1', context]);
    assert.equal(
      (await x.ok('alice', ['run', '--rm', 'alice/ctx:1', 'cat', '/message.txt'])).trim(),
      'from the context',
    );
    await x.ok('alice', [
      ...SERVICE_CREATE,
      '--name',
      'chatty',
      ...DEV,
      '--restart-condition',
      'none',
      IMAGE,
      'sh',
      '-c',
      'echo hello-from-service; sleep 1000',
    ]);
    await waitFor(async () =>
      (await x.ok('alice', ['service', 'logs', '--raw', 'chatty'])).includes('hello-from-service'),
    );
    await x.fails('bob', ['service', 'logs', 'chatty'], /service\.logs on \/Shared\/dev is not allowed/);
    await x.ok('alice', ['service', 'rm', 'chatty']);
  });

  it("deploys a stack whose every resource lands in the caller's collection", async () => {
    const compose = join(cluster.dataDir, 'stack.yml');
    await writeFile(
      compose,
      [
        'version: "3.7"',
        'services:',
        '  app:',
        `    image: ${IMAGE}`,
        '    command: ["sleep", "1000"]',
        '    networks: [back]',
        '    configs: [settings]',
        'networks:',
        '  back: {}',
        'configs:',
        '  settings:',
        `    file: ${compose}`,
        '',
      ].join('\n'),
    );
    await x.ok('alice', ['stack', 'deploy', '--resolve-image', 'never', '-c', compose, 'shop']);
    assert.match(await x.ok('alice', ['stack', 'ls']), /shop/);
    assert.doesNotMatch(await x.ok('bob', ['stack', 'ls']), /shop/);
    const where = '{{index .Spec.Labels "io.stevedore.collection"}}';
    assert.equal(
      (await x.ok('admin', ['service', 'inspect', '--format', where, 'shop_app'])).trim(),
      '/Shared/Private/alice',
    );
    assert.equal(
      (await x.ok('admin', ['config', 'inspect', '--format', where, 'shop_settings'])).trim(),
      '/Shared/Private/alice',
    );
    assert.equal(
      (
        await x.ok('admin', [
          'network',
          'inspect',
          '--format',
          '{{index .Labels "io.stevedore.collection"}}',
          'shop_back',
        ])
      ).trim(),
      '/Shared/Private/alice',
    );
    await x.ok('alice', ['stack', 'rm', 'shop']);
  });

  it('filters the event stream', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await x.ok('bob', ['run', '--rm', '--name', 'bob-event', IMAGE, 'true']);
    await x.ok('admin', ['run', '--rm', '--name', 'admin-event', IMAGE, 'true']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const format = ['--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'];
    const bobSaw = await x.ok('bob', ['events', '--since', since, '--until', until, ...format]);
    assert.match(bobSaw, /container start bob-event/);
    assert.doesNotMatch(bobSaw, /admin-event/);
    assert.match(
      await x.ok('admin', ['events', '--since', since, '--until', until, ...format]),
      /container start admin-event/,
    );
  });

  it('refuses a revoked bundle and a certificate from another CA; imports a bundle as a context', async () => {
    const dir = await cluster.downloadBundle('alice', 'laptop');
    const withBundle = (args: string[]) => cluster.dockerWith(dir, args);
    assert.match((await withBundle(['service', 'ls'])).stdout, /web/);
    const bundles = (await cluster.call('GET', '/api/v1/me/bundles', { token: cluster.tokens.alice })).json<{
      items: { id: string; label: string }[];
    }>();
    const laptop = bundles.items.find((b) => b.label === 'laptop');
    assert.ok(laptop);
    assert.equal(
      (await cluster.call('DELETE', `/api/v1/me/bundles/${laptop.id}`, { token: cluster.tokens.alice }))
        .status,
      204,
    );
    await assert.rejects(withBundle(['service', 'ls']), (err: DockerCliError) =>
      /revoked or has expired/.test(err.stderr),
    );

    const foreign = await foreignBundle(cluster.plane.clusterCaPem, join(cluster.dataDir, 'foreign'));
    await assert.rejects(
      cluster.dockerWith(foreign, ['version']),
      (err: DockerCliError) => !/Stevedore/.test(err.stdout),
    );
    // At the TLS level: the foreign certificate's connection closes before a byte of HTTP is answered.
    assert.equal(await pingOver(cluster, foreign), '');
    assert.match(await pingOver(cluster, cluster.bundleDirs.bob), /^HTTP\/1\.1 200/);

    const zip = await cluster.call('GET', '/api/clientbundle?format=context', { token: cluster.tokens.bob });
    const zipFile = join(cluster.dataDir, 'bob-context.zip');
    await writeFile(zipFile, zip.bytes);
    const config = await mkdtemp(join(cluster.dataDir, 'context-config-'));
    await cluster.dockerWith(undefined, ['context', 'import', 'stevedore-bob', zipFile], {
      DOCKER_CONFIG: config,
    });
    const out = await cluster.dockerWith(
      undefined,
      ['--context', 'stevedore-bob', 'service', 'ls', '--format', '{{.Name}}'],
      { DOCKER_CONFIG: config },
    );
    assert.equal(out.stdout.trim(), 'web');
  });

  it('serves the same filtered view to a browser session at /api/docker', async () => {
    const res = await cluster.call('GET', '/api/docker/v1.41/services', { token: cluster.tokens.bob });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.json<{ Spec: { Name: string } }[]>().map((s) => s.Spec.Name),
      ['web'],
    );
    assert.equal((await cluster.call('GET', '/api/docker/v1.41/services')).status, 401);
    // Without a bundle, the Engine API answers with what to do.
    const bare = await cluster.call('GET', '/v1.41/containers/json');
    assert.equal(bare.status, 401);
    assert.match(bare.json<{ message: string }>().message, /needs a client bundle/);
  });

  it('audits every call with the user, operation, resource and decision', async () => {
    await waitFor(async () => {
      const res = await cluster.call('GET', '/api/v1/audit?actor=bob&action=container.exec', {
        token: cluster.tokens.admin,
      });
      return res.json<{ items: unknown[] }>().items.length > 0;
    });
    const res = await cluster.call('GET', '/api/v1/audit?actor=bob&action=container.exec', {
      token: cluster.tokens.admin,
    });
    const entry = res.json<{
      items: { result: string; status: number; target: string; detail: Record<string, unknown> }[];
    }>().items[0]!;
    assert.equal(entry.result, 'failure');
    assert.equal(entry.status, 403);
    assert.match(String(entry.detail['reason']), /container\.exec on \/Shared\/Private\/bob is not allowed/);
    const creates = await cluster.call('GET', '/api/v1/audit?actor=alice&action=service.create', {
      token: cluster.tokens.admin,
    });
    const web = creates
      .json<{ items: { target: string; result: string; detail: Record<string, unknown> }[] }>()
      .items.find((e) => e.target === 'service:web');
    assert.equal(web?.result, 'success');
    assert.equal(web?.detail['collection'], '/Shared/dev');
  });

  it('follows account changes: a deactivated account is refused, a new default collection is used', async () => {
    const patch = (body: unknown) =>
      cluster.call('PATCH', '/api/v1/users/bob', { token: cluster.tokens.admin, body });
    assert.equal((await patch({ active: false })).status, 200);
    await x.fails('bob', ['ps'], /inactive/);
    assert.equal((await patch({ active: true, defaultCollection: '/Shared/dev' })).status, 200);
    // bob holds only View Only on /Shared/dev, so creating there is now refused, by the grant's name.
    await x.fails(
      'bob',
      ['volume', 'create', 'bobvol'],
      /volume\.create on \/Shared\/dev is not allowed.*View Only/,
    );
    assert.equal((await patch({ defaultCollection: '/Shared/Private/bob' })).status, 200);
    await x.ok('bob', ['volume', 'create', 'bobvol']);
  });

  it('refuses Upgrade anywhere but attach and exec start, and reads no request after it', async () => {
    // The attack: an allowed call asking for an upgrade, then a call bob may not make on the same connection.
    const smuggle = (prefix: string, auth: string) =>
      `GET ${prefix}/v1.41/_ping HTTP/1.1\r\nHost: localhost\r\n${auth}Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n` +
      `GET ${prefix}/v1.41/swarm HTTP/1.1\r\nHost: localhost\r\n${auth}\r\n`;
    const viaBundle = await rawExchange(cluster, cluster.bundleDirs.bob, smuggle('', ''));
    const bearer = `Authorization: Bearer ${cluster.tokens.bob}\r\n`;
    const viaSession = await rawExchange(cluster, undefined, smuggle('/api/docker', bearer));
    for (const answer of [viaBundle, viaSession]) {
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.match(
        answer,
        /Upgrade is only for attach and exec start: send this request without Connection: Upgrade/,
      );
      assert.equal(answer.match(/^HTTP\/1\.1 /gm)?.length, 1, answer);
      assert.doesNotMatch(answer, /JoinTokens|SWMTKN/);
    }
    // A create sent with Upgrade reaches the engine neither checked nor as it came.
    const body = JSON.stringify({ Image: IMAGE, HostConfig: { Privileged: true } });
    const create = await rawExchange(
      cluster,
      cluster.bundleDirs.bob,
      `POST /v1.41/containers/create?name=smuggled HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n${body}`,
    );
    assert.match(create, /^HTTP\/1\.1 400 /);
    assert.ok(!(await x.names('admin', 'container')).includes('smuggled'));
  });

  it('cuts a live attach when its bundle is revoked and an exec -it when the account is deactivated', async () => {
    const admin = cluster.tokens.admin;
    await x.ok('alice', ['run', '-d', '-it', '--name', 'alice-tty', ...DEV, IMAGE, 'sleep', '3012']);
    const dir = await cluster.downloadBundle('alice', 'attach');
    const since = new Date(Date.now() - 1000).toISOString();
    const attach = settled(
      x.ok('alice', ['attach', 'alice-tty'], { tty: true, bundleDir: dir, timeoutMs: 120_000 }),
    );
    // The session is live once the engine answered 101 (the proxy audits the status of the hijack).
    await waitFor(async () => {
      const path = `/api/v1/audit?actor=alice&action=container.attach&since=${encodeURIComponent(since)}`;
      const res = await cluster.call('GET', path, { token: admin });
      return res.json<{ items: { status: number }[] }>().items.some((e) => e.status === 101);
    });
    const bundles = (await cluster.call('GET', '/api/v1/users/alice/bundles', { token: admin })).json<{
      items: { id: string; label: string }[];
    }>();
    const id = bundles.items.find((b) => b.label === 'attach')?.id;
    assert.ok(id);
    assert.equal(await runningAfter(attach, 1500), true, 'docker attach ended by itself');
    assert.equal(
      (await cluster.call('DELETE', `/api/v1/users/alice/bundles/${id}`, { token: admin })).status,
      204,
    );
    // The proxy's sweep cuts it about a second later; the bound is generous for a loaded machine and still
    // far below the 120 s the session would otherwise run.
    await within(attach, 30_000, 'docker attach still running 30 s after its bundle was revoked');
    // Only the session was cut: the container runs on.
    assert.equal((await x.ok('alice', ['inspect', '-f', '{{.State.Running}}', 'alice-tty'])).trim(), 'true');

    const exec = settled(
      x.ok('alice', ['exec', '-it', 'alice-tty', 'sh', '-c', 'sleep 3013'], {
        tty: true,
        timeoutMs: 120_000,
      }),
    );
    await waitFor(async () => (await x.ok('admin', ['top', 'alice-tty'])).includes('sleep 3013'));
    assert.equal(await runningAfter(exec, 1500), true, 'docker exec -it ended by itself');
    const patch = (active: boolean) =>
      cluster.call('PATCH', '/api/v1/users/alice', { token: admin, body: { active } });
    assert.equal((await patch(false)).status, 200);
    try {
      await within(exec, 30_000, 'docker exec -it still running 30 s after the account was deactivated');
    } finally {
      assert.equal((await patch(true)).status, 200);
    }
    await x.ok('alice', ['rm', '-f', 'alice-tty']);
  });
});

/** Resolves when `promise` settles, either way (a cut session may exit with an error or not). */
function settled(promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => undefined,
    () => undefined,
  );
}

/** Whether `session` is still running `ms` from now. */
function runningAfter(session: Promise<void>, ms: number): Promise<boolean> {
  return Promise.race([
    session.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), ms)),
  ]);
}

async function within(promise: Promise<void>, ms: number, why: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(why)), ms);
  });
  await Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A bundle directory whose certificate a CA other than the client CA signed. */
async function foreignBundle(clusterCaPem: string, dir: string): Promise<string> {
  const ca = await createCertificateAuthority({ commonName: 'Somebody else', validityDays: 30 });
  const cert = await issueCertificate(ca, { commonName: 'alice', usage: 'client', validityDays: 30 });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ca.pem'), clusterCaPem);
  await writeFile(join(dir, 'cert.pem'), cert.certPem);
  await writeFile(join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
  return dir;
}
