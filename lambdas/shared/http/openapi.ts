import { type ZodType, z } from 'zod';

/**
 * Each HTTP route declares its schemas once (zod); the OpenAPI 3.1 document of the whole API is
 * generated from those declarations, so the document cannot describe a route that does not exist.
 */
export type Security = 'adminBearer' | 'readToken' | 'webhookSecret' | 'none';

export interface RouteDocs {
  summary: string;
  tag: string;
  security: Security;
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string }>;
}

export interface DocumentedRoute {
  method: string;
  path: string;
  docs?: RouteDocs;
}

const SECURITY_SCHEMES = {
  adminBearer: { type: 'http', scheme: 'bearer', description: 'Scheduler admin token (SCHEDULER_ADMIN_TOKEN)' },
  readToken: { type: 'http', scheme: 'bearer', description: 'Job monitor read token (JOB_READ_TOKEN)' },
  webhookSecret: { type: 'apiKey', in: 'header', name: 'X-TC-Portal-Webhook-Secret' },
};

/** The shape every error response has. */
export const errorSchema = z.object({ error: z.string() }).meta({ description: 'What was wrong, naming the field' });

function jsonSchema(schema: ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

/**
 * A schema's first example (`.meta({ examples: [...] })` or `.meta({ example })`). Swagger UI's
 * "Try it out" prefills a parameter from the parameter's `example` and a body from the media
 * type's `example`, so the document puts it there as well.
 */
function firstExample(schema: Record<string, unknown>): { example?: unknown } {
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return { example: schema.examples[0] };
  return schema.example === undefined ? {} : { example: schema.example };
}

function parameters(schema: ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
    ...firstExample(property),
  }));
}

/** zod leaves `examples` out of the input schema of an object with a transform in it: read them from the metadata. */
function requestBody(schema: ZodType) {
  const body = jsonSchema(schema, 'input');
  const examples = firstExample({ ...schema.meta(), ...body });
  return { required: true, content: { 'application/json': { schema: body, ...examples } } };
}

export function buildOpenApiDocument(
  info: { title: string; version: string; description: string },
  routes: readonly DocumentedRoute[],
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    if (!route.docs) continue;
    const { docs } = route;
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(docs.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? {
              content: {
                [response.contentType ?? 'application/json']: { schema: jsonSchema(response.schema, 'output') },
              },
            }
          : {}),
      };
    }
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = {
      summary: docs.summary,
      tags: [docs.tag],
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string = '') => next.toUpperCase())}`,
      ...(docs.security === 'none' ? { security: [] } : { security: [{ [docs.security]: [] }] }),
      parameters: [...parameters(docs.params, 'path'), ...parameters(docs.query, 'query')],
      ...(docs.body ? { requestBody: requestBody(docs.body) } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    components: { securitySchemes: SECURITY_SCHEMES },
    paths,
  };
}
