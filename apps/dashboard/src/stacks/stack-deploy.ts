/**
 * Carries out a stack plan (compose.ts) through the Docker API proxy in `docker stack deploy`'s order:
 * networks, secrets and configs first (kept when the stack already has one of that name), then services
 * (created, or updated at their current version), with secret and config ids filled in. Removal is
 * `docker stack rm`'s: the services, then networks, secrets and configs, retried while the engine still
 * has the services' tasks attached to them. Volumes stay, as with docker.
 */
import { isApiError } from '../api/api-error.js';
import type { DockerClient } from '../api/docker.js';
import type { Config, Network, Secret, Service } from '../api/docker-types.js';
import { STACK_LABEL, type StackPlan } from './compose.js';

type Progress = (step: string) => void;
const byName = <T>(items: readonly T[] | null, name: (t: T) => string) =>
  new Map((items ?? []).map((t) => [name(t), t]));
const stackFilter = (stack: string) => ({ filters: { label: [`${STACK_LABEL}=${stack}`] } });

/** Ids of secrets or configs by name: those just made, else an exact-name lookup (external ones). */
async function idsOf(docker: DockerClient, kind: 'secrets' | 'configs', names: readonly string[]) {
  const ids = new Map<string, string>();
  for (const name of new Set(names)) {
    const found = await docker.get<(Secret | Config)[] | null>(`/${kind}`, { filters: { name: [name] } });
    const match = (found ?? []).find((s) => s.Spec.Name === name);
    if (!match) throw new Error(`${kind.slice(0, -1)} "${name}" does not exist or is not visible to you`);
    ids.set(name, match.ID);
  }
  return ids;
}

export async function deployStack(docker: DockerClient, plan: StackPlan, progress: Progress = () => {}) {
  const filter = stackFilter(plan.stack);
  const networks = byName(await docker.get<Network[] | null>('/networks', filter), (n) => n.Name);
  for (const body of plan.networks) {
    if (networks.has(body.Name)) continue;
    progress(`Creating network ${body.Name}`);
    await docker.post('/networks/create', { ...body, CheckDuplicate: true });
  }
  for (const kind of ['secrets', 'configs'] as const) {
    const existing = byName(
      await docker.get<(Secret | Config)[] | null>(`/${kind}`, filter),
      (s) => s.Spec.Name,
    );
    for (const body of plan[kind]) {
      if (existing.has(body.Name)) continue;
      progress(`Creating ${kind.slice(0, -1)} ${body.Name}`);
      await docker.post(`/${kind}/create`, body);
    }
  }
  const containers = plan.services.map((s) => s.TaskTemplate.ContainerSpec);
  const secretIds = await idsOf(
    docker,
    'secrets',
    containers.flatMap((c) => c.Secrets.map((r) => r.SecretName)),
  );
  const configIds = await idsOf(
    docker,
    'configs',
    containers.flatMap((c) => c.Configs.map((r) => r.ConfigName)),
  );
  const services = byName(await docker.get<Service[] | null>('/services', filter), (s) => s.Spec.Name ?? '');
  for (const spec of plan.services) {
    const c = spec.TaskTemplate.ContainerSpec;
    const body = {
      ...spec,
      TaskTemplate: {
        ...spec.TaskTemplate,
        ContainerSpec: {
          ...c,
          Secrets: c.Secrets.map((r) => ({ ...r, SecretID: secretIds.get(r.SecretName) })),
          Configs: c.Configs.map((r) => ({ ...r, ConfigID: configIds.get(r.ConfigName) })),
        },
      },
    };
    const current = services.get(spec.Name);
    progress(`${current ? 'Updating' : 'Creating'} service ${spec.Name}`);
    if (current)
      await docker.post(`/services/${current.ID}/update`, body, { version: current.Version.Index });
    else await docker.post('/services/create', body);
  }
}

/**
 * Tries `remove` until it succeeds (or the object is gone) or `attempts` run out: the engine frees a
 * network only after the tasks using it stop, and a request can be cut while the host's interfaces change.
 */
async function retrying(remove: () => Promise<void>, attempts = 20): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await remove();
    } catch (err) {
      if (isApiError(err) && err.status === 404) return; // gone already
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function removeStack(docker: DockerClient, stack: string, progress: Progress = () => {}) {
  const filter = stackFilter(stack);
  for (const s of (await docker.get<Service[] | null>('/services', filter)) ?? []) {
    progress(`Removing service ${s.Spec.Name ?? s.ID}`);
    await retrying(() => docker.delete(`/services/${s.ID}`), 3);
  }
  for (const n of (await docker.get<Network[] | null>('/networks', filter)) ?? []) {
    progress(`Removing network ${n.Name}`);
    await retrying(() => docker.delete(`/networks/${n.Id}`));
  }
  for (const kind of ['secrets', 'configs'] as const) {
    for (const s of (await docker.get<(Secret | Config)[] | null>(`/${kind}`, filter)) ?? []) {
      progress(`Removing ${kind.slice(0, -1)} ${s.Spec.Name}`);
      await retrying(() => docker.delete(`/${kind}/${s.ID}`));
    }
  }
}
