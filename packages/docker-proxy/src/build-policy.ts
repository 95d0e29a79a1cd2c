/**
 * A build's query parameters, held to the same rules as a container's fields: the legacy builder runs each
 * RUN step in a container made from them (`networkmode`, `cgroupparent`, `securityopt`, `ulimits`, …), so
 * a build is a workload. `labels` become the image's labels, which every container run from it inherits:
 * Swarm's own labels there would make a plain container pass for a task.
 *
 * Parameters the Engine API specification leaves out but the docker CLIs send and the builder reads
 * (`securityopt`, `cgroupparent`, `cpusetmems`, `ulimits`) are decided here too (canonical/query.ts lists
 * them as known for `POST /build`).
 */
import { needsOf, type Need } from './field-policy/index.js';
import { LABELS, NETWORK_MODE, SECURITY_OPTIONS } from './field-policy/rules.js';
import { EngineRefusal } from './refusals.js';

/** A query parameter holding JSON (the CLI encodes lists and maps so); undefined when absent or empty. */
function jsonParam(query: URLSearchParams, name: string): unknown {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new EngineRefusal(400, `the ${name} parameter must be JSON, as the docker CLI sends it`);
  }
}

export function buildQueryNeeds(query: URLSearchParams): Need[] {
  const needs: Need[] = [];
  const networkMode = query.get('networkmode') ?? '';
  needs.push(...needsOf(NETWORK_MODE, networkMode, 'networkmode'));
  if ((query.get('cgroupparent') ?? '') !== '')
    needs.push({
      kind: 'admin',
      rule: "cgroupparent (places the build's containers in a cgroup of the host's choosing)",
    });
  const securityOptions = jsonParam(query, 'securityopt');
  if (securityOptions !== undefined) needs.push(...needsOf(SECURITY_OPTIONS, securityOptions, 'securityopt'));
  const labels = jsonParam(query, 'labels');
  if (labels !== undefined) needs.push(...needsOf(LABELS, labels, 'labels'));
  return needs;
}

/** `--build-arg` values (the `buildargs` parameter, a JSON object), for the Dockerfile's variables. */
export function buildArgsOf(query: URLSearchParams): Record<string, string | null> {
  const value = jsonParam(query, 'buildargs');
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new EngineRefusal(400, 'the buildargs parameter must be a JSON object of names to values');
  const args: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== null && typeof v !== 'string')
      throw new EngineRefusal(400, `the build argument ${k} must be a string or null`);
    args[k] = v;
  }
  return args;
}
