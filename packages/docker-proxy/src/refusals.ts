/**
 * Answers in the engine's own shape (`{"message": "…"}`), which the docker CLI prints after "Error response
 * from daemon:". A resource the caller may not view gets exactly the engine's "not found" message for its
 * type, so a refusal never tells whether the resource exists.
 */
import type { ResourceType } from './operations/index.js';

export class EngineRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Why, for the audit log (the decision's reason), when it differs from the message. */
    readonly reason: string = message,
  ) {
    super(message);
  }
}

const NOT_FOUND: Record<ResourceType, (ref: string) => string> = {
  container: (ref) => `No such container: ${ref}`,
  exec: (ref) => `No such exec instance: ${ref}`,
  service: (ref) => `service ${ref} not found`,
  task: (ref) => `task ${ref} not found`,
  node: (ref) => `node ${ref} not found`,
  network: (ref) => `network ${ref} not found`,
  volume: (ref) => `get ${ref}: no such volume`,
  secret: (ref) => `secret ${ref} not found`,
  config: (ref) => `config ${ref} not found`,
};

export function notFound(type: ResourceType, ref: string): EngineRefusal {
  return new EngineRefusal(404, NOT_FOUND[type](ref), `not visible: ${type} ${ref}`);
}

export function forbidden(message: string): EngineRefusal {
  return new EngineRefusal(403, `access denied by Stevedore: ${message}`, message);
}
