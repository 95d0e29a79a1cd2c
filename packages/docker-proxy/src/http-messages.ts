/**
 * The HTTP plumbing of the proxy: reading a JSON body with a size limit, the headers passed on in each
 * direction (hop-by-hop ones dropped: each connection is framed by its own side), and the one answer the
 * proxy adds to, `/version`.
 */
import type { IncomingMessage } from 'node:http';
import { EngineRefusal } from './refusals.js';

const MAX_JSON_BODY = 16 * 1024 * 1024;
/** How a request's body is framed and typed: passed on only with the body it describes. */
const BODY_FRAMING = new Set(['content-length', 'transfer-encoding', 'content-type', 'content-encoding']);
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'proxy-connection',
]);

/** The request's body, bounded: JSON bodies are held to be decoded, so they may not be unbounded. */
export async function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw new EngineRefusal(413, `the request body is over ${MAX_JSON_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Headers for the engine: the body's framing is the planned body's, or the stream's when one flows. */
export function forwardHeaders(
  req: IncomingMessage,
  body: Buffer | undefined,
  stream: boolean,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined && !HOP_BY_HOP.has(k) && !BODY_FRAMING.has(k)) headers[k] = v;
  if (body) {
    headers['content-length'] = String(body.length);
    headers['content-type'] = 'application/json';
  } else if (stream) {
    for (const k of BODY_FRAMING) {
      const v = req.headers[k];
      if (v !== undefined) headers[k] = v;
    }
  }
  return headers;
}

/** The engine's answer headers without the hop-by-hop ones; Node frames the answer to our client itself. */
export function responseHeaders(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const out: IncomingMessage['headers'] = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/** `/version` with Stevedore beside the engine's own components. */
export function withStevedore(value: unknown, version: string): unknown {
  const v = value as { Components?: unknown[] };
  const components = Array.isArray(v.Components) ? v.Components : [];
  return {
    ...v,
    Components: [
      ...components,
      { Name: 'Stevedore', Version: version, Details: { Role: 'authorizing Engine API proxy' } },
    ],
  };
}
