import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyImage, startNodes, sweepStaleClusterNodes } from './cluster-nodes.js';
import type { ClusterNodes } from './cluster-nodes.js';
import { buildTestImage } from './image.js';
import { isAlive } from './docker-network.js';

const TAG = 'stevedore/busybox:test';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What the host's /etc/docker holds, to show that nodes never write there. */
function hostEtcDocker(): string[] {
  return existsSync('/etc/docker') ? readdirSync('/etc/docker', { recursive: true }).map(String).sort() : [];
}

describe('cluster nodes: three namespaces, three engines, one swarm', () => {
  let cluster: ClusterNodes;
  let etcBefore: string[];

  before(async () => {
    etcBefore = hostEtcDocker();
    cluster = await startNodes(3, { swarm: true });
    const { manager, nodes } = cluster;
    await buildTestImage(manager.engine, TAG);
    await copyImage(
      manager.engine,
      nodes.slice(1).map((n) => n.engine),
      TAG,
    );
    console.log(`cluster slot ${cluster.slot} timings: ${JSON.stringify(cluster.timings)}`);
  });
  after(async () => {
    await cluster?.stopAll();
  });

  it('lists three Ready nodes with distinct hostnames', async () => {
    const { stdout } = await cluster.manager.engine.docker([
      'node',
      'ls',
      '--format',
      '{{.Hostname}} {{.Status}}',
    ]);
    assert.deepEqual(stdout.trim().split('\n').sort(), ['node-0 Ready', 'node-1 Ready', 'node-2 Ready']);
    for (const node of cluster.nodes) {
      assert.equal((await node.run('hostname')).stdout.trim(), node.name);
    }
  });

  it('spreads a three-replica service one task per node', async () => {
    const { manager } = cluster;
    await manager.engine.docker([
      ...['service', 'create', '--detach', '--no-resolve-image', '--name', 'spread'],
      ...['--replicas', '3', '--replicas-max-per-node', '1', '--endpoint-mode', 'dnsrr'],
      ...[TAG, 'sleep', '600'],
    ]);
    const hosts = await until('three running tasks', async () => {
      const { stdout } = await manager.engine.docker([
        ...['service', 'ps', 'spread', '--filter', 'desired-state=running'],
        ...['--format', '{{.Node}} {{.CurrentState}}'],
      ]);
      const running = stdout
        .trim()
        .split('\n')
        .filter((l) => / Running /.test(l));
      return running.length === 3 ? running.map((l) => l.split(' ')[0]).sort() : undefined;
    });
    assert.deepEqual(hosts, ['node-0', 'node-1', 'node-2']);
    await manager.engine.docker(['service', 'rm', 'spread']);
  });

  it('routes between nodes: ping, and a container on one node to a host-mode port on another', async () => {
    const [n0, n1, n2] = cluster.nodes;
    assert.ok(n0 && n1 && n2);
    const ping = await n0.run('busybox', ['ping', '-c', '1', '-W', '5', n2.address]);
    assert.equal(ping.code, 0, ping.stderr + ping.stdout);
    await cluster.manager.engine.docker([
      ...['service', 'create', '--detach', '--no-resolve-image', '--name', 'web'],
      ...['--endpoint-mode', 'dnsrr', '--publish', 'mode=host,target=80,published=8080'],
      ...['--constraint', 'node.hostname==node-1', TAG],
      ...[
        'sh',
        '-c',
        'mkdir -p /www && echo served-by-$(hostname) > /www/index.html && httpd -f -p 80 -h /www',
      ],
    ]);
    // busybox's static wget and nslookup crash resolving names: talk HTTP over nc to an address.
    const request = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc ${n1.address} 8080`;
    const body = await until('the page from node-1', async () => {
      const { stdout } = await n0.engine
        .docker(['run', '--rm', TAG, 'sh', '-c', request], { timeoutMs: 30_000 })
        .catch(() => ({ stdout: '' }));
      return stdout.includes('200 OK') ? stdout : undefined;
    });
    assert.match(body, /served-by-/);
    await cluster.manager.engine.docker(['service', 'rm', 'web']);
  });

  it("gives each node its own /etc/docker/certs.d and leaves the host's alone", async () => {
    const [n0, n1] = cluster.nodes;
    assert.ok(n0 && n1);
    await mkdir(join(n1.certsDir, '10.240.0.1:5000'));
    await writeFile(join(n1.certsDir, '10.240.0.1:5000', 'ca.crt'), 'node-1 trust\n');
    const seen = await n1.run('cat', ['/etc/docker/certs.d/10.240.0.1:5000/ca.crt']);
    assert.equal(seen.stdout, 'node-1 trust\n');
    const other = await n0.run('ls', ['-A', '/etc/docker/certs.d']);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(other.stdout, '', 'node-0 does not see node-1 trust');
    // A write on the node lands in its own dir, not in the host's /etc/docker.
    const wrote = await n0.run('sh', [
      '-c',
      'mkdir -p /etc/docker/certs.d/x && echo n0 > /etc/docker/certs.d/x/ca.crt',
    ]);
    assert.equal(wrote.code, 0, wrote.stderr);
    assert.equal(readFileSync(join(n0.certsDir, 'x', 'ca.crt'), 'utf8'), 'n0\n');
    assert.deepEqual(hostEtcDocker(), etcBefore);
  });

  it('runs docker on the node against its own engine, and spawns long-running commands', async () => {
    const [, n1] = cluster.nodes;
    assert.ok(n1);
    const info = await n1.run('docker', ['info', '--format', '{{.Name}} {{.Swarm.NodeAddr}}']);
    assert.equal(info.stdout.trim(), `node-1 ${n1.address}`);
    const child = n1.spawn('sleep', ['600']);
    assert.ok(child.pid !== undefined && isAlive(child.pid));
  });

  it('leaves nothing behind after stopAll, which is idempotent', async () => {
    const pids = cluster.nodes.map((n) => n.engine.pid);
    await cluster.stopAll();
    await cluster.stopAll();
    assert.deepEqual(
      pids.filter((p) => isAlive(p)),
      [],
      'no dockerd left',
    );
    assert.equal(existsSync(`/sys/class/net/${cluster.bridge}`), false, 'bridge removed');
    const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
    assert.deepEqual(
      netns.filter((n) => n.startsWith(`stevedore-n${cluster.slot}-`)),
      [],
    );
    const links = readdirSync('/sys/class/net').filter((l) => l.startsWith(`stvn${cluster.slot}v`));
    assert.deepEqual(links, [], 'veths removed');
    const rules = execFileSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' });
    assert.doesNotMatch(rules, new RegExp(`stevedore-nodes-${process.pid}\\b`));
    assert.deepEqual(hostEtcDocker(), etcBefore);
  });
});

describe('cluster nodes: sweeping what a killed test left', () => {
  it('removes the bridge, namespaces and FORWARD rule of a dead owner', () => {
    // A pid that surely is dead: a child that ran and was reaped.
    const dead = spawnSync('true').pid;
    const slot = [...Array(64).keys()].reverse().find((s) => !existsSync(`/sys/class/net/stvn${s}`));
    assert.ok(slot !== undefined && dead !== undefined);
    const sh = (cmd: string) => execFileSync('sh', ['-c', cmd]);
    sh(`ip link add stvn${slot} type bridge && ip link set stvn${slot} alias 'stevedore-nodes pid=${dead}'`);
    sh(
      `ip netns add stevedore-n${slot}-0 && ip link add stvn${slot}v0 type veth peer name eth0 netns stevedore-n${slot}-0`,
    );
    sh(
      `iptables -w -I FORWARD -i stvn${slot} -o stvn${slot} -m comment --comment stevedore-nodes-${dead} -j ACCEPT`,
    );
    sweepStaleClusterNodes();
    assert.equal(existsSync(`/sys/class/net/stvn${slot}`), false);
    assert.equal(existsSync(`/sys/class/net/stvn${slot}v0`), false);
    assert.equal(existsSync(`/run/netns/stevedore-n${slot}-0`), false);
    assert.doesNotMatch(
      execFileSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' }),
      new RegExp(`stevedore-nodes-${dead}\\b`),
    );
  });
});
