/**
 * Where `docker run` puts a standalone container in a cluster (cluster-link.ts): on a ready node the
 * caller may schedule on (`node.schedule` on its collection) that satisfies the constraints the body
 * names as classic Swarm read them, preferring nodes that have its image, with the fewest running
 * containers (spread); ties go to the first in the members' order (the manager first). Pure.
 *
 * Constraints: `-e constraint:KEY==VALUE` (or `!=`) and the label `com.docker.swarm.constraints`, a JSON
 * array of `KEY==VALUE`. KEY `node` matches the node's name or id; any other key matches the node's labels
 * (`docker node update --label-add`) or its engine's labels. VALUE may hold `*` wildcards.
 */
import { EngineRefusal } from './refusals.js';

type Json = Record<string, unknown>;

export const CONSTRAINTS_LABEL = 'com.docker.swarm.constraints';

export interface Constraint {
  readonly key: string;
  readonly equal: boolean;
  readonly value: string;
}

export interface Candidate {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ready: boolean;
  readonly allowed: boolean;
  readonly running: number;
  /** Whether its engine has the image the container runs (a built or loaded image may be on one node). */
  readonly hasImage: boolean;
}

const EXPRESSION = /^([A-Za-z0-9_.\-/]+)\s*(==|!=)\s*(\S.*)$/;

function parseExpression(text: string, from: string): Constraint {
  const m = EXPRESSION.exec(text.trim());
  if (!m)
    throw new EngineRefusal(
      400,
      `${from} ${JSON.stringify(text)} is not a constraint: write KEY==VALUE or KEY!=VALUE, e.g. node==worker-1`,
    );
  return { key: m[1]!, equal: m[2] === '==', value: m[3]!.trim() };
}

/** The constraints a container create body names; a malformed one is a 400 that shows the form. */
export function constraintsOf(body: Json): Constraint[] {
  const found: Constraint[] = [];
  const env = Array.isArray(body['Env']) ? (body['Env'] as unknown[]) : [];
  for (const entry of env) {
    if (typeof entry !== 'string' || !entry.startsWith('constraint:')) continue;
    found.push(parseExpression(entry.slice('constraint:'.length), 'the environment entry constraint:'));
  }
  const labels = (body['Labels'] ?? {}) as Json;
  const label = labels[CONSTRAINTS_LABEL];
  if (label !== undefined) {
    let parsed: unknown;
    try {
      parsed = typeof label === 'string' ? JSON.parse(label) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((c) => typeof c === 'string'))
      throw new EngineRefusal(
        400,
        `label ${CONSTRAINTS_LABEL} must be a JSON array of constraints, e.g. ["node==worker-1"]`,
      );
    for (const c of parsed) found.push(parseExpression(c, `label ${CONSTRAINTS_LABEL}:`));
  }
  return found;
}

function globMatch(pattern: string, value: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`).test(value);
}

function satisfies(node: Candidate, c: Constraint): boolean {
  const values = c.key === 'node' ? [node.name, node.id] : [node.labels[c.key]];
  const matched = values.some((v) => v !== undefined && globMatch(c.value, v));
  return c.equal ? matched : !matched;
}

const describe = (constraints: readonly Constraint[]) =>
  constraints.map((c) => `${c.key}${c.equal ? '==' : '!='}${c.value}`).join(', ');

/**
 * The node a new container goes to; a refusal says why no node will do. Nodes the caller may not use are
 * set aside first, so a constraint naming one answers as one naming no node at all. When the caller may use
 * none, the first (the manager's) is answered, not allowed: the caller's `node.schedule` check then refuses
 * with the rule's own explanation, as on one engine.
 */
export function chooseNode(candidates: readonly Candidate[], constraints: readonly Constraint[]): Candidate {
  const allowed = candidates.filter((node) => node.allowed);
  if (allowed.length === 0) {
    if (candidates[0]) return candidates[0];
    throw new EngineRefusal(503, 'the cluster has no node to run containers on: try again when one joined');
  }
  const fitting = allowed.filter((node) => constraints.every((c) => satisfies(node, c)));
  if (fitting.length === 0)
    throw new EngineRefusal(
      400,
      `no node you may schedule on satisfies ${describe(constraints)}: docker node ls lists the nodes and their names`,
    );
  const ready = fitting.filter((node) => node.ready);
  if (ready.length === 0)
    throw new EngineRefusal(
      503,
      `no node that fits is ready to run containers (${fitting.map((n) => n.name).join(', ')}): try again when one is`,
    );
  // A node that has the image first: an image built or loaded on one node runs there without a pull.
  const withImage = ready.filter((node) => node.hasImage);
  const pool = withImage.length > 0 ? withImage : ready;
  return pool.reduce((best, node) => (node.running < best.running ? node : best));
}
