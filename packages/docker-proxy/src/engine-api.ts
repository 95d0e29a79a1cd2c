/**
 * The engine as the planner sees it: buffered calls and inspects at the pinned API version. The planner,
 * the resolver and placement depend on this interface only, so they run in-process against a small fake
 * in tests (plan.test.ts); `EngineLink` is the real one, over the engine's socket.
 */
import type { IncomingMessage } from 'node:http';

export interface EngineAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface EngineLookups {
  /** One buffered call; `path` has no version prefix (the link pins it). */
  call(method: string, path: string, body?: unknown): Promise<EngineAnswer>;
  /** GET returning parsed JSON, or undefined on 404; other failures throw. */
  inspect<T>(path: string): Promise<T | undefined>;
}
