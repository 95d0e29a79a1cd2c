/**
 * The subset of the compose file format v3 the dashboard deploys, as data: which keys are understood at
 * each level. `unsupportedKeys` walks a parsed file and names every other key by its path
 * (`services.web.volumes`), so a deploy can refuse before it creates anything rather than drop settings.
 */
export type Shape = { readonly [key: string]: Shape | true };

const labels = true;
const ports: Shape = { target: true, published: true, protocol: true, mode: true };
const reference: Shape = { source: true, target: true };
const deploy: Shape = { mode: true, replicas: true, labels };

export const SERVICE_KEYS: Shape = {
  image: true,
  command: true,
  entrypoint: true,
  environment: true,
  labels,
  deploy,
  ports,
  networks: true,
  secrets: reference,
  configs: reference,
};

/** The whole file; `true` leaves a value as it is (its form is checked by the translation). */
export const COMPOSE_KEYS: Shape = {
  version: true,
  services: SERVICE_KEYS,
  networks: { driver: true, attachable: true, labels, external: true, name: true },
  secrets: { content: true, labels, external: true, name: true },
  configs: { content: true, labels, external: true, name: true },
};

/** Levels whose keys are names the file chooses (services.<name>, networks.<name>, …). */
const NAMED = new Set(['services', 'networks', 'secrets', 'configs']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walk(value: unknown, shape: Shape, path: string, out: string[]): void {
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    const sub = shape[key];
    if (sub === undefined) out.push(at);
    else if (sub !== true) {
      if (path === '' && NAMED.has(key) && isRecord(child)) {
        for (const [name, item] of Object.entries(child)) walk(item, sub, `${at}.${name}`, out);
      } else if (Array.isArray(child)) {
        // Long-syntax lists (ports, secrets, configs): each entry is checked against the same shape.
        child.forEach((item, i) => walk(item, sub, `${at}[${i}]`, out));
      } else walk(child, sub, at, out);
    }
  }
}

/** Every key outside the supported subset, by its path in the file. */
export function unsupportedKeys(doc: unknown): string[] {
  const out: string[] = [];
  walk(doc, COMPOSE_KEYS, '', out);
  return out;
}
