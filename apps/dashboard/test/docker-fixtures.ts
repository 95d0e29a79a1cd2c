/**
 * Set-up for the resource pages' end-to-end test, done as an administrator and a user would through the
 * REST API and the Docker API proxy (never the engine directly): accounts, the /Shared/dev collection
 * and grants on it, the swarm's node placed in /Shared/dev (so services may be scheduled there), and
 * resources a view-only user should see.
 */
import assert from 'node:assert/strict';
import type { APIRequestContext } from 'playwright-core';

export const DOCKER = '/api/docker/v1.41';
export const DEV_COLLECTION = '/Shared/dev';
const LABEL = 'io.stevedore.collection';

/** Calls as one account: `as.rest('POST', '/api/v1/users', body)` answers the parsed JSON (or undefined). */
export class Caller {
  private constructor(
    private readonly request: APIRequestContext,
    private readonly url: string,
    private readonly token: string,
  ) {}

  static async login(request: APIRequestContext, url: string, username: string, password: string) {
    const res = await request.post(`${url}/auth/login`, { data: { username, password } });
    assert.equal(res.status(), 200, await res.text());
    return new Caller(request, url, ((await res.json()) as { auth_token: string }).auth_token);
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request.fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}` },
      ...(body !== undefined ? { data: body } : {}),
    });
    assert.ok(res.status() < 300, `${method} ${path}: ${res.status()} ${await res.text()}`);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** dev: Full Control on /Shared/dev. viewer: View Only there, and nothing else (no private collection grant). */
export async function seedAccounts(admin: Caller, password: string): Promise<void> {
  await admin.call('POST', '/api/v1/collections', { path: DEV_COLLECTION });
  for (const [name, roleId] of [
    ['dev', 'full-control'],
    ['viewer', 'view-only'],
  ] as const) {
    await admin.call('POST', '/api/v1/users', { name, password });
    await admin.call('POST', '/api/v1/grants', {
      subject: { kind: 'user', id: name },
      roleId,
      collection: DEV_COLLECTION,
    });
  }
  // A new user gets Restricted Control on their private collection; the viewer is to be view-only.
  const grants = await admin.call<{ items: { id: string; subject: { id: string }; collection: string }[] }>(
    'GET',
    '/api/v1/grants',
  );
  for (const g of grants.items.filter((g) => g.subject.id === 'viewer' && g.collection !== DEV_COLLECTION))
    await admin.call('DELETE', `/api/v1/grants/${g.id}`);
}

/** Labels the swarm's node into /Shared/dev, as `docker node update --label-add` would. */
export async function placeNode(admin: Caller): Promise<void> {
  const nodes = await admin.call<{ ID: string; Version: { Index: number }; Spec: { Labels?: object } }[]>(
    'GET',
    `${DOCKER}/nodes`,
  );
  for (const node of nodes) {
    await admin.call('POST', `${DOCKER}/nodes/${node.ID}/update?version=${node.Version.Index}`, {
      ...node.Spec,
      Labels: { ...node.Spec.Labels, [LABEL]: DEV_COLLECTION },
    });
  }
}

/** One of each resource in /Shared/dev, and a one-service stack `shared`, made by dev through the proxy. */
export async function seedResources(dev: Caller, image: string): Promise<void> {
  const labels = { [LABEL]: DEV_COLLECTION };
  const data = Buffer.from('seeded').toString('base64');
  await dev.call('POST', `${DOCKER}/networks/create`, {
    Name: 'team-net',
    Driver: 'overlay',
    Labels: labels,
  });
  await dev.call('POST', `${DOCKER}/volumes/create`, { Name: 'team-data', Labels: labels });
  await dev.call('POST', `${DOCKER}/secrets/create`, { Name: 'team-secret', Data: data, Labels: labels });
  await dev.call('POST', `${DOCKER}/configs/create`, { Name: 'team-config', Data: data, Labels: labels });
  const stack = { ...labels, 'com.docker.stack.namespace': 'shared' };
  await dev.call('POST', `${DOCKER}/services/create`, {
    Name: 'shared_app',
    Labels: stack,
    TaskTemplate: { ContainerSpec: { Image: image, Args: ['sleep', '1000'], Labels: stack } },
    Mode: { Replicated: { Replicas: 1 } },
  });
}

/** Waits until a task of `service` runs (so the service was scheduled on a node the caller may use). */
export async function waitForRunningTask(caller: Caller, service: string, timeoutMs = 60_000): Promise<void> {
  const filters = encodeURIComponent(JSON.stringify({ service: [service] }));
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    const tasks = await caller.call<{ Status?: { State?: string } }[]>(
      'GET',
      `${DOCKER}/tasks?filters=${filters}`,
    );
    if (tasks.some((t) => t.Status?.State === 'running')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`no task of ${service} is running after ${timeoutMs} ms`);
}
