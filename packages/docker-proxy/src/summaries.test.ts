/**
 * `GET /info` and `GET /system/df` as each caller gets them (test-callers): administrators the engine's
 * answer; View Only and Restricted Control counts and lists of what they may view, nothing of the rest.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answerContext, rewriteAnswer, rewritesAnswer } from './answer-rewrites.js';
import { createMemoryImageOwners } from './image-owners.js';
import type { Answer } from './plan-context.js';
import { Resolver } from './resolver.js';
import { IN_DEV, testCallers, type Who } from './test-callers.js';
import { fakeLookups } from './test-lookups.js';

const box = (id: string, labels: Record<string, string>, state: string, image: string, volume?: string) => ({
  Id: id.padEnd(64, '0'),
  Names: [`/${id}`],
  Labels: labels,
  State: state,
  ImageID: image,
  Mounts: volume ? [{ Type: 'volume', Name: volume }] : [],
});
const containers = [
  box('devrun', IN_DEV, 'running', 'img1', 'devdata'),
  box('devexit', IN_DEV, 'exited', 'img2'),
  box('sysrun', {}, 'running', 'img1', 'devdata'),
  box('syspause', {}, 'paused', 'img1', 'sysdata'),
];
// rita (Restricted Control) made both images; bob (View Only) has no image.view where his images go.
const images = [
  { Id: 'img1', RepoTags: ['rita/app:1'], Size: 600, SharedSize: 100, Containers: 3 },
  { Id: 'img2', RepoTags: ['rita/app:2'], Size: 500, SharedSize: 100, Containers: 1 },
];
const owners = createMemoryImageOwners();
for (const [tag, image] of [
  ['docker.io/rita/app:1', 'img1'],
  ['docker.io/rita/app:2', 'img2'],
])
  await owners.record(tag!, { owner: 'rita', source: 'build', at: '2026-01-01T00:00:00Z', image: image! });
const nodes = [
  { ID: 'n1', Spec: { Labels: IN_DEV }, ManagerStatus: { Leader: true } },
  { ID: 'n2', Spec: { Labels: {} } },
];
const info = {
  Name: 'host',
  Containers: 4,
  ContainersRunning: 2,
  ContainersPaused: 1,
  ContainersStopped: 1,
  Images: 2,
  HttpProxy: 'http://proxyuser@proxy.internal:3128',
  HttpsProxy: '',
  NoProxy: 'internal',
  Swarm: {
    NodeID: 'n2',
    NodeAddr: '10.0.0.2',
    LocalNodeState: 'active',
    ControlAvailable: true,
    RemoteManagers: [{ NodeID: 'n1', Addr: '10.0.0.1:2377' }],
    Nodes: 2,
    Managers: 1,
    Cluster: { ID: 'cluster', Spec: {}, TLSInfo: { TrustRoot: 'PEM' } },
  },
};
const df = {
  LayersSize: 1000,
  Images: images,
  Containers: containers,
  Volumes: [
    { Name: 'devdata', Labels: IN_DEV, UsageData: { Size: 10, RefCount: 2 } },
    { Name: 'sysdata', Labels: {}, UsageData: { Size: 20, RefCount: 1 } },
  ],
  BuildCache: [{ ID: 'cache', Size: 30 }],
};

/** Planned as the proxy plans it (administrators: pass), then rewritten. */
async function summaryAs(who: Who, kind: Extract<Answer, 'info' | 'disk-usage'>, value: unknown) {
  const { access, caller } = testCallers()[who];
  const engine = fakeLookups({ containers, images, nodes });
  const answer: Answer = caller.admin ? 'pass' : kind;
  if (!rewritesAnswer(answer, 200)) return value;
  const ctx = answerContext(engine, new Resolver(engine), access, caller, owners);
  return rewriteAnswer({ action: '', target: '', url: '', answer }, value, ctx);
}

const visibleInfo = (images: number) => ({
  ...info,
  Containers: 2,
  ContainersRunning: 1,
  ContainersPaused: 0,
  ContainersStopped: 1,
  Images: images,
  HttpProxy: '',
  HttpsProxy: '',
  NoProxy: '',
  Swarm: {
    NodeID: '',
    NodeAddr: '',
    LocalNodeState: 'active',
    ControlAvailable: true,
    Nodes: 1,
    Managers: 1,
  },
});

describe('GET /info', () => {
  it('administrator: the engine’s answer', async () => {
    assert.equal(await summaryAs('admin', 'info', info), info);
  });
  it('View Only: its visible containers and nodes, no images, no cluster', async () => {
    assert.deepEqual(await summaryAs('view-only', 'info', info), visibleInfo(0));
  });
  it('Restricted Control: the same, with the images it made', async () => {
    assert.deepEqual(await summaryAs('restricted-control', 'info', info), visibleInfo(2));
  });
  it('keeps the own node’s id when the node is visible', async () => {
    const own = { ...info, Swarm: { ...info.Swarm, NodeID: 'n1', NodeAddr: '10.0.0.1' } };
    const out = (await summaryAs('view-only', 'info', own)) as { Swarm: Record<string, unknown> };
    assert.deepEqual([out.Swarm['NodeID'], out.Swarm['NodeAddr']], ['n1', '10.0.0.1']);
  });
});

describe('GET /system/df', () => {
  const devContainers = [containers[0], containers[1]];
  const devVolumes = [{ Name: 'devdata', Labels: IN_DEV, UsageData: { Size: 10, RefCount: 1 } }];

  it('administrator: the engine’s answer', async () => {
    assert.equal(await summaryAs('admin', 'disk-usage', df), df);
  });
  it('View Only: its containers and volumes, recounted; no images; no build cache', async () => {
    assert.deepEqual(await summaryAs('view-only', 'disk-usage', df), {
      Images: [],
      LayersSize: 0,
      Containers: devContainers,
      Volumes: devVolumes,
      BuildCache: [],
    });
  });
  it('Restricted Control: its images, with only the containers it sees counted', async () => {
    assert.deepEqual(await summaryAs('restricted-control', 'disk-usage', df), {
      Images: [
        { ...images[0], Containers: 1 },
        { ...images[1], Containers: 1 },
      ],
      LayersSize: 1000,
      Containers: devContainers,
      Volumes: devVolumes,
      BuildCache: [],
    });
  });
  it('passes on no field it does not know', async () => {
    const newer = { ImageUsage: { TotalCount: 9 }, ContainerUsage: { TotalCount: 9 } };
    assert.deepEqual(await summaryAs('view-only', 'disk-usage', newer), {});
  });
});
