/**
 * One compose service to the Engine API's service spec, as `docker stack deploy` builds it: `entrypoint`
 * is the container's Command and `command` its Args, `labels` go on the container and `deploy.labels` on
 * the service, a service without `networks` joins `<stack>_default` (with its name as an alias), and
 * secret and config references carry their object's name (deploy resolves the ids once they exist).
 */
import type { ServiceSpec } from '../api/docker-types.js';
import { asList, asWords, isRecord, parsePorts, text, type PortConfig } from './compose-values.js';

export interface ServiceContext {
  readonly stack: string;
  readonly problems: string[];
  readonly labelsOf: (labels: unknown, where: string) => Record<string, string>;
  /** Name in the file -> name on the engine, for the top-level objects. */
  readonly networks: ReadonlyMap<string, string>;
  readonly secrets: ReadonlyMap<string, string>;
  readonly configs: ReadonlyMap<string, string>;
}

export interface FileRef {
  readonly Name: string;
  readonly UID: string;
  readonly GID: string;
  readonly Mode: number;
}
export interface StackService extends ServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Labels: Record<string, string>;
      Command?: string[];
      Args?: string[];
      Env: string[];
      Secrets: { SecretName: string; SecretID?: string; File: FileRef }[];
      Configs: { ConfigName: string; ConfigID?: string; File: FileRef }[];
    };
    Networks: { Target: string; Aliases: string[] }[];
  };
  Mode: { Replicated: { Replicas: number } } | { Global: Record<string, never> };
  EndpointSpec?: { Ports: PortConfig[] };
}

function environment(value: unknown, where: string, problems: string[]): string[] {
  if (isRecord(value)) {
    return Object.entries(value).map(([k, v]) => {
      if (v === null || v === undefined)
        problems.push(`${where}.${k} has no value (a browser has no shell environment to take it from)`);
      return `${k}=${text(v)}`;
    });
  }
  return asList(value, where, problems);
}

export function serviceSpec(key: string, value: unknown, context: ServiceContext): StackService {
  const { stack, problems, labelsOf } = context;
  const s = isRecord(value) ? value : {};
  const at = `services.${key}`;
  const image = text(s['image']);
  if (!image) problems.push(`${at}.image is required`);
  const deploy = isRecord(s['deploy']) ? s['deploy'] : {};

  const references = (kind: 'secrets' | 'configs') =>
    asListOfRefs(s[kind], `${at}.${kind}`, problems).map(({ source, target }) => {
      const name = context[kind].get(source);
      if (name === undefined)
        problems.push(`${at}.${kind}: "${source}" is not declared under top-level ${kind}`);
      // Secrets are files under /run/secrets/; a config's default target is /<name>.
      const file = { Name: kind === 'secrets' ? target : `/${target}`, UID: '0', GID: '0', Mode: 0o444 };
      return { name: name ?? source, file };
    });

  const mode = text(deploy['mode']) || 'replicated';
  if (mode !== 'replicated' && mode !== 'global')
    problems.push(`${at}.deploy.mode must be replicated or global`);
  const replicas = deploy['replicas'] === undefined ? 1 : Number(deploy['replicas']);
  if (!Number.isInteger(replicas) || replicas < 0)
    problems.push(`${at}.deploy.replicas must be a whole number`);

  const networks = isRecord(s['networks'])
    ? Object.keys(s['networks'])
    : asList(s['networks'], `${at}.networks`, problems);
  const ports = parsePorts(s['ports'], `${at}.ports`, problems);
  const entrypoint = asWords(s['entrypoint'], `${at}.entrypoint`, problems);
  const command = asWords(s['command'], `${at}.command`, problems);
  return {
    Name: `${stack}_${key}`,
    Labels: { ...labelsOf(deploy['labels'], `${at}.deploy.labels`), 'com.docker.stack.image': image },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Labels: labelsOf(s['labels'], `${at}.labels`),
        ...(entrypoint ? { Command: entrypoint } : {}),
        ...(command ? { Args: command } : {}),
        Env: environment(s['environment'], `${at}.environment`, problems),
        Secrets: references('secrets').map((r) => ({ SecretName: r.name, File: r.file })),
        Configs: references('configs').map((r) => ({ ConfigName: r.name, File: r.file })),
      },
      Networks: (networks.length > 0 ? networks : ['default']).map((n) => {
        if (n !== 'default' && !context.networks.has(n))
          problems.push(`${at}.networks: "${n}" is not declared under top-level networks`);
        return { Target: context.networks.get(n) ?? `${stack}_${n}`, Aliases: [key] };
      }),
    },
    Mode: mode === 'global' ? { Global: {} } : { Replicated: { Replicas: replicas } },
    ...(ports.length > 0 ? { EndpointSpec: { Ports: ports } } : {}),
  };
}

/** `- name` or `- { source, target }`. */
function asListOfRefs(value: unknown, where: string, problems: string[]) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${where} must be a list`);
    return [];
  }
  return value.map((r) => {
    const source = isRecord(r) ? text(r['source']) : text(r);
    if (!source) problems.push(`${where}: each entry needs a name (or "source:")`);
    return { source, target: (isRecord(r) && text(r['target'])) || source };
  });
}
