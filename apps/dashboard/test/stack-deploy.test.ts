/** Stack deploy and removal against a small in-memory stand-in for the Docker API: order, reuse, ids. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DockerClient, DockerQuery } from '../src/api/docker.js';
import { planStack } from '../src/stacks/compose.js';
import { deployStack, removeStack } from '../src/stacks/stack-deploy.js';

type Item = {
  ID: string;
  Id: string;
  Name: string;
  Version: { Index: number };
  Spec: { Name: string; Labels: object };
  Labels: object;
};

/** Records every call; lists answer what was created (filters by label are honoured). */
function fakeDocker() {
  const calls: string[] = [];
  const store: Record<string, Item[]> = { networks: [], secrets: [], configs: [], services: [] };
  let next = 0;
  const labelled = (items: Item[], query?: DockerQuery) => {
    const wanted = (query?.['filters'] as { label?: string[]; name?: string[] } | undefined) ?? {};
    return items.filter(
      (i) =>
        (wanted.label ?? []).every((l) => {
          const [k, v] = l.split('=');
          return (i.Labels as Record<string, string>)[k!] === v;
        }) && (wanted.name ?? []).every((n) => i.Name.startsWith(n)),
    );
  };
  const docker: DockerClient = {
    get: <T>(path: string, query?: DockerQuery) => {
      calls.push(`GET ${path}`);
      return Promise.resolve(labelled(store[path.slice(1)] ?? [], query) as T);
    },
    post: <T>(path: string, body?: unknown, query?: DockerQuery) => {
      calls.push(
        `POST ${path}${query?.['version'] === undefined ? '' : `?version=${JSON.stringify(query['version'])}`}`,
      );
      const kind = path.split('/')[1]!;
      const b = body as { Name: string; Labels: object };
      const id = `${kind}-${++next}`;
      if (path.endsWith('/create'))
        store[kind]!.push({ ID: id, Id: id, Name: b.Name, Version: { Index: 7 }, Labels: b.Labels, Spec: b });
      return Promise.resolve({ ID: id, Id: id } as T);
    },
    delete: (path: string) => {
      calls.push(`DELETE ${path}`);
      const [, kind, id] = path.split('/');
      store[kind!] = store[kind!]!.filter((i) => i.ID !== id);
      return Promise.resolve();
    },
    stream: () => Promise.reject(new Error('no streams here')),
  };
  return { docker, calls, store };
}

const compose = {
  services: { api: { image: 'api:1', secrets: ['db'] } },
  secrets: { db: { content: 'pw' } },
};

describe('stack deploy and removal', () => {
  it('creates networks and secrets before services, with the secret ids filled in', async () => {
    const { docker, calls, store } = fakeDocker();
    await deployStack(docker, planStack('shop', compose));
    const creates = calls.filter((c) => c.startsWith('POST'));
    assert.deepEqual(creates, ['POST /networks/create', 'POST /secrets/create', 'POST /services/create']);
    const service = store['services']![0]!.Spec as unknown as {
      TaskTemplate: { ContainerSpec: { Secrets: { SecretID: string; SecretName: string }[] } };
    };
    assert.deepEqual(service.TaskTemplate.ContainerSpec.Secrets[0]?.SecretID, store['secrets']![0]!.ID);
  });

  it('keeps what the stack has on a second deploy and updates its services', async () => {
    const { docker, calls } = fakeDocker();
    await deployStack(docker, planStack('shop', compose));
    calls.length = 0;
    await deployStack(docker, planStack('shop', compose));
    assert.deepEqual(
      calls.filter((c) => c.startsWith('POST')),
      ['POST /services/services-3/update?version=7'],
    );
  });

  it('removes services first, then networks and secrets, and leaves other stacks alone', async () => {
    const { docker, calls, store } = fakeDocker();
    await deployStack(docker, planStack('shop', compose));
    await deployStack(docker, planStack('blog', { services: { web: { image: 'web:1' } } }));
    calls.length = 0;
    await removeStack(docker, 'shop');
    assert.deepEqual(
      calls.filter((c) => c.startsWith('DELETE')).map((c) => c.split('/')[1]),
      ['services', 'networks', 'secrets'],
    );
    assert.deepEqual(
      Object.values(store).flatMap((items) => items.map((i) => i.Name)),
      ['blog_default', 'blog_web'],
    );
  });
});
