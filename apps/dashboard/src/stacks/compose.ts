/**
 * A compose file (v3, the subset in compose-keys.ts) to the Engine API bodies `docker stack deploy`
 * would send: one network per declared network plus `<stack>_default` when a service uses no other,
 * secrets and configs from inline `content:` (a browser cannot read `file:`), and one service each.
 * Every object is named `<stack>_<name>` and labelled `com.docker.stack.namespace=<stack>` (and with the
 * chosen collection). Pure: it answers a plan or throws ComposeError listing every problem at once, so
 * nothing is created from a file that cannot be deployed whole. Variables (`${X}`) are not substituted.
 */
import { COLLECTION_LABEL } from '../api/docker-types.js';
import type { StackService } from './compose-service.js';
import { unsupportedKeys } from './compose-keys.js';
import { serviceSpec } from './compose-service.js';
import { asLabels, isRecord, text } from './compose-values.js';

export const STACK_LABEL = 'com.docker.stack.namespace';
export const STACK_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export class ComposeError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The compose file cannot be deployed:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ComposeError';
  }
}

type Body = { Name: string; Labels: Record<string, string> };
export interface NetworkBody extends Body {
  Driver: string;
  Attachable: boolean;
}
export interface DataBody extends Body {
  /** base64 of the content. */
  Data: string;
}
/** A service body whose secret and config references name their object; deploy fills in the ids. */
export interface StackPlan {
  readonly stack: string;
  readonly networks: NetworkBody[];
  readonly secrets: DataBody[];
  readonly configs: DataBody[];
  readonly services: StackService[];
}

/** UTF-8 text as base64 (what the Engine API's `Data` holds). */
export function base64(value: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function planStack(stack: string, doc: unknown, collection?: string): StackPlan {
  const problems: string[] = [];
  if (!STACK_NAME.test(stack))
    problems.push(`stack name "${stack}": use lowercase letters, digits, "-" and "_" (up to 63)`);
  if (!isRecord(doc) || !isRecord(doc['services'])) {
    throw new ComposeError([...problems, 'the file needs a "services:" mapping']);
  }
  problems.push(...unsupportedKeys(doc).map((key) => `${key} is not supported`));
  const labelsOf = (extra: unknown, where: string) => ({
    ...asLabels(extra, where, problems),
    [STACK_LABEL]: stack,
    ...(collection ? { [COLLECTION_LABEL]: collection } : {}),
  });

  // Top-level objects: name in the file -> the name on the engine.
  const declared = (kind: 'networks' | 'secrets' | 'configs') => {
    const names = new Map<string, string>();
    const created: { key: string; name: string; def: Record<string, unknown> }[] = [];
    const section = doc[kind];
    if (section !== undefined && !isRecord(section)) problems.push(`${kind} must be a mapping`);
    for (const [key, def] of Object.entries(isRecord(section) ? section : {})) {
      const d = isRecord(def) ? def : {};
      const name = d['external'] === true ? text(d['name']) || key : `${stack}_${key}`;
      names.set(key, name);
      if (d['external'] !== true) created.push({ key, name, def: d });
    }
    return { names, created };
  };
  const networks = declared('networks');
  const secrets = declared('secrets');
  const configs = declared('configs');

  const data = (
    { key, name, def }: { key: string; name: string; def: Record<string, unknown> },
    kind: string,
  ) => {
    if (typeof def['content'] !== 'string')
      problems.push(
        `${kind}.${key}: give its value inline with "content:" (files cannot be read from a browser)`,
      );
    return {
      Name: name,
      Labels: labelsOf(def['labels'], `${kind}.${key}.labels`),
      Data: base64(text(def['content'])),
    };
  };

  const context = {
    stack,
    problems,
    labelsOf,
    networks: networks.names,
    secrets: secrets.names,
    configs: configs.names,
  };
  const services = Object.entries(doc['services']).map(([key, value]) => serviceSpec(key, value, context));
  const usesDefault = services.some((s) =>
    s.TaskTemplate.Networks.some((n) => n.Target === `${stack}_default`),
  );

  const plan: StackPlan = {
    stack,
    networks: networks.created.map(({ key, name, def }) => ({
      Name: name,
      Driver: text(def['driver']) || 'overlay',
      Attachable: def['attachable'] === true,
      Labels: labelsOf(def['labels'], `networks.${key}.labels`),
    })),
    secrets: secrets.created.map((s) => data(s, 'secrets')),
    configs: configs.created.map((c) => data(c, 'configs')),
    services,
  };
  if (usesDefault && !networks.names.has('default'))
    plan.networks.unshift({
      Name: `${stack}_default`,
      Driver: 'overlay',
      Attachable: false,
      Labels: labelsOf({}, ''),
    });
  if (problems.length > 0) throw new ComposeError(problems);
  return plan;
}
