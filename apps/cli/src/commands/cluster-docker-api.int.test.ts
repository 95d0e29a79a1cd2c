/**
 * One Docker API over a cluster, as its users meet it: three nodes on one machine (a manager from
 * `stevedore up`, two workers from `stevedore join` with their agents), the real docker CLI with client
 * bundles. Containers of every node are listed, reached and placed through the controller, and every call
 * is still authorized: a user sees only what her grants show, whichever node it runs on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTestImage, copyImage, dockerEnv, ensureBinary, type ClusterNode } from '@stevedore/testkit';
import { ADMIN_PASSWORD, startManagedCluster, until, type ManagedCluster } from './cluster-harness.js';

const TAG = 'stevedore/busybox:test';
const DANA_PASSWORD = 'dana-password-1';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('one Docker API over three nodes', { timeout: 900_000 }, () => {
  let managed: ManagedCluster;
  let bundles: string;
  let docker: string;
  const node = (i: number): ClusterNode => managed.nodes.nodes[i]!;

  /** The docker CLI with a bundle's env.sh sourced, as its README says to use it. */
  const dockerAs =
    (dir: string) =>
    (args: readonly string[], input?: string): Promise<Run> =>
      new Promise((resolve) => {
        const child = execFile(
          'bash',
          ['-c', `source "${dir}/env.sh" && exec "$0" "$@"`, docker, ...args],
          { env: dockerEnv({ DOCKER_CONFIG: join(dir, 'docker-config') }), timeout: 120_000 },
          (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        child.stdin?.end(input ?? '');
      });
  let admin: (args: readonly string[], input?: string) => Promise<Run>;
  let dana: (args: readonly string[], input?: string) => Promise<Run>;
  const ok = async (run: Promise<Run>): Promise<string> => {
    const done = await run;
    assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
    return done.stdout;
  };
  const namesOf = async (as: typeof admin, args: string[] = []) =>
    (await ok(as(['ps', '-a', ...args, '--format', '{{.Names}}']))).trim().split('\n').filter(Boolean).sort();
  /** The containers a node's own engine has, asked directly. */
  const onEngine = async (i: number) =>
    (await node(i).engine.docker(['ps', '-a', '--format', '{{.Names}} {{.State}}'])).stdout;

  before(async () => {
    docker = await ensureBinary('docker', 'docker.io');
    managed = await startManagedCluster(3, { prefix: 'stevedore-fanout-' });
    bundles = await mkdtemp(join(managed.dataDirOf(node(0)), 'bundles-'));
    await buildTestImage(node(0).engine, TAG);
    await copyImage(node(0).engine, [node(1).engine, node(2).engine], TAG);
    const token = await managed.workerToken();
    // Members once the manager has each agent's report of a running engine proxy.
    for (const worker of [node(1), node(2)]) await managed.joinServing(worker, token);
    const login = await managed.api('POST', '/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    const adminToken = login.json<{ auth_token: string }>().auth_token;
    admin = dockerAs(await managed.clientBundle(join(bundles, 'admin'), adminToken));
    for (const path of ['/Shared/ops', '/Shared/dev']) {
      const made = await managed.api('POST', '/api/v1/collections', { path });
      assert.equal(made.status, 201, made.text);
    }
    const user = await managed.api('POST', '/api/v1/users', { name: 'dana', password: DANA_PASSWORD });
    assert.equal(user.status, 201, user.text);
    const grant = await managed.api('POST', '/api/v1/grants', {
      subject: { kind: 'user', id: 'dana' },
      roleId: 'view-only',
      collection: '/Shared/dev',
    });
    assert.equal(grant.status, 201, grant.text);
    const danaToken = (
      await managed.api('POST', '/auth/login', { username: 'dana', password: DANA_PASSWORD }, '')
    ).json<{ auth_token: string }>().auth_token;
    dana = dockerAs(await managed.clientBundle(join(bundles, 'dana'), danaToken));
  });
  after(async () => {
    await managed?.stop();
  });

  it('lists the containers of all three nodes: a 3-replica service spreads one task per node', async () => {
    await ok(
      admin([
        ...['service', 'create', '--detach', '--no-resolve-image', '--name', 'web'],
        ...['--replicas', '3', '--replicas-max-per-node', '1'],
        ...['--label', 'io.stevedore.collection=/Shared/ops'],
        ...[TAG, 'sleep', '600'],
      ]),
    );
    const names = await until(
      'three running tasks, listed through the controller',
      async () => {
        const listed = await namesOf(admin, ['--filter', 'name=web.', '--filter', 'status=running']);
        return listed.length === 3 ? listed : undefined;
      },
      90_000,
    );
    // Each name carries its node, as classic Swarm showed it: node-N/web.1.<task>.
    assert.deepEqual(
      names.map((n) => n.split('/')[0]),
      ['node-0', 'node-1', 'node-2'],
      names.join('\n'),
    );
  });

  it('docker info names the nodes and counts the containers of all of them', async () => {
    const info = await ok(admin(['info']));
    assert.match(info, /^ Nodes: 3$/m, info);
    for (const name of ['node-0', 'node-1', 'node-2'])
      assert.match(info, new RegExp(`^  ${name}: 10\\.`, 'm'), info);
    const running = Number(await ok(admin(['info', '--format', '{{.ContainersRunning}}'])));
    assert.ok(running >= 3, `the three tasks count, whatever node runs them: ${running}`);
    // A user sees no node list (its addresses are the cluster's administration).
    assert.doesNotMatch(await ok(dana(['info'])), /node-1:/);
  });

  it("reaches a worker's container: logs, exec (stdin too), stop", async () => {
    await ok(
      admin([
        ...['run', '-d', '--name', 'on-worker', '-e', 'constraint:node==node-1'],
        ...[TAG, 'sh', '-c', 'echo hello-from-the-worker; sleep 600'],
      ]),
    );
    assert.match(await onEngine(1), /^on-worker running$/m, 'placed on node-1 by its constraint');
    assert.doesNotMatch(await onEngine(0), /on-worker/);
    assert.ok((await namesOf(admin)).includes('node-1/on-worker'));
    const logs = await until('the logs', async () => {
      const out = await ok(admin(['logs', 'on-worker']));
      return out.includes('hello-from-the-worker') ? out : undefined;
    });
    assert.match(logs, /hello-from-the-worker/);
    assert.equal((await ok(admin(['exec', 'on-worker', 'sh', '-c', 'echo $((6 * 7))']))).trim(), '42');
    // stdin ends (a half-close through the agent's engine proxy) and the output still comes back.
    assert.equal(
      (await ok(admin(['exec', '-i', 'on-worker', 'tr', 'a-z', 'A-Z'], 'shout\n'))).trim(),
      'SHOUT',
    );
    assert.match(await ok(admin(['top', 'on-worker'])), /sleep 600/);
    assert.match(
      await ok(admin(['stats', '--no-stream', '--format', '{{.Name}}', 'on-worker'])),
      /on-worker/,
    );
    const id = (await ok(admin(['inspect', '--format', '{{.Id}}', 'on-worker']))).trim();
    assert.match(
      (await node(1).engine.docker(['inspect', '--format', '{{.Id}}', 'on-worker'])).stdout,
      new RegExp(id),
    );
    // docker cp out of it: a tar of the file, through the archive endpoint on node-1.
    assert.match(await ok(admin(['cp', 'on-worker:/etc/hostname', '-'])), new RegExp(id.slice(0, 12)));
    await ok(admin(['stop', '-t', '1', 'on-worker']));
    assert.match(await onEngine(1), /^on-worker exited$/m);
    await ok(admin(['rm', 'on-worker']));
    assert.doesNotMatch(await onEngine(1), /on-worker/);
  });

  it('attaches to a container it places on a worker: docker run -i with stdin', async () => {
    const out = await ok(
      admin(['run', '-i', '--rm', '-e', 'constraint:node==node-2', TAG, 'tr', 'a-z', 'A-Z'], 'attached\n'),
    );
    assert.equal(out.trim(), 'ATTACHED');
  });

  it('places a container by the classic constraints label, and says why when no node fits', async () => {
    await ok(
      admin([
        ...['run', '-d', '--name', 'dev-box', '--label', 'com.docker.swarm.constraints=["node==node-2"]'],
        ...['--label', 'io.stevedore.collection=/Shared/dev', TAG, 'sleep', '600'],
      ]),
    );
    assert.match(await onEngine(2), /^dev-box running$/m);
    const refused = await admin(['run', '-d', '-e', 'constraint:node==nowhere', TAG, 'true']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /no node you may schedule on satisfies node==nowhere/);
  });

  it('shows a user only what her grants show, on every node', async () => {
    // dana may view /Shared/dev only: the dev box on node-2, none of the service's tasks on any node.
    assert.deepEqual(await namesOf(dana), ['node-2/dev-box']);
    const task = (await namesOf(admin, ['--filter', 'name=web.'])).find((n) => n.startsWith('node-1/'))!;
    const refused = await dana(['logs', task.split('/')[1]!]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /No such container/);
    // What she sees she may not change: view-only has no exec, on node-2 as anywhere.
    const exec = await dana(['exec', 'dev-box', 'true']);
    assert.notEqual(exec.code, 0);
    assert.match(exec.stderr, /container\.exec/);
  });
});
