/**
 * The engine failing a call the proxy makes for itself (an inspect, a list), or not answering at all. What
 * the engine said names paths, ids and the proxy's own lookups, so it goes to the audit log (the refusal's
 * reason) and never to the caller, who gets one generic message.
 *
 * `engineStatus` tells the two apart: set, the engine answered with that status (an ambiguous id prefix is
 * a 400, or a 500 for containers, so no status means "does not exist" or "ambiguous" for certain); absent,
 * the engine could not be reached.
 */
import { EngineRefusal } from './refusals.js';

const GENERIC =
  'the Docker Engine behind Stevedore did not answer as expected; try again, and tell an administrator if it persists';

export class EngineFailure extends EngineRefusal {
  constructor(
    readonly engineStatus: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(503, GENERIC, detail);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The engine answered a lookup with an error status (not a 404): the reference did not name one resource. */
export function isEngineAnswer(err: unknown): err is EngineFailure {
  return err instanceof EngineFailure && err.engineStatus !== undefined;
}
