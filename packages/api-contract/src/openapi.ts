/** The OpenAPI 3.1 document, generated from the route table and its zod schemas (JSON Schema 2020-12). */
import { z } from 'zod';
import { routes, type RouteSpec } from './routes.js';
import { errorBody } from './schemas.js';

type Json = Record<string, unknown>;

function schemaOf(type: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(type, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete json['$schema'];
  return json;
}

function openapiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\*$/, '{path}');
}

function parameters(spec: RouteSpec): Json[] {
  const out: Json[] = [];
  for (const [where, type] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (!type) continue;
    const json = schemaOf(type, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(json.properties ?? {})) {
      out.push({
        name: name === '*' ? 'path' : name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema,
      });
    }
  }
  return out;
}

export function buildOpenApi(version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const [id, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    const status = String(spec.status ?? 200);
    const operation: Json = {
      operationId: id,
      summary: spec.summary,
      tags: [spec.tag],
      'x-access': spec.access,
      parameters: parameters(spec),
      responses: {
        [status]: spec.response
          ? {
              description: 'Success',
              content: { 'application/json': { schema: schemaOf(spec.response, 'output') } },
            }
          : { description: 'Success' },
        default: {
          description: 'An error with a stable code',
          content: { 'application/json': { schema: schemaOf(errorBody, 'output') } },
        },
      },
      ...(spec.access === 'public' ? { security: [] } : {}),
    };
    if (spec.body) {
      operation['requestBody'] = {
        required: true,
        content: { 'application/json': { schema: schemaOf(spec.body, 'input') } },
      };
    }
    (paths[openapiPath(spec.path)] ??= {})[spec.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Stevedore controller API', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
