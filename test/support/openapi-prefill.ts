/**
 * What Swagger UI's "Try it out" fills in for each operation of an OpenAPI 3.1 document, so a test
 * can submit it as a reader would: a parameter takes its `example` (else its schema's `example`,
 * then `default`; Swagger UI 5 reads no further, the first `enum` value stands in for its select
 * box); the body takes the media type's `example` (else the schema's first of `examples`). An optional parameter with none stays empty and
 * is not sent. A required parameter or a body without one is a problem named by its route, since
 * Swagger UI would fill in placeholders the API refuses (`"finished_at": "string"`).
 */
interface Schema {
  example?: unknown;
  examples?: unknown[];
  default?: unknown;
  enum?: unknown[];
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  example?: unknown;
  schema?: Schema;
}
interface Operation {
  security?: Record<string, unknown>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { example?: unknown; schema?: Schema }> };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

export interface PrefilledRequest {
  /** `POST /jobs/{job_id}/run`, as the document lists it. */
  route: string;
  method: string;
  /** With the path parameters filled in and the query string appended. */
  path: string;
  /** Security scheme names the operation needs (one of them). */
  security: string[];
  /** Each filled parameter's text, as in Swagger UI's input box. */
  parameters: Record<string, string>;
  body?: unknown;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

function schemaExample(schema: Schema | undefined, required: boolean): unknown {
  if (!schema) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  return required ? schema.enum?.[0] : undefined;
}

function prefillOne(route: string, method: string, path: string, operation: Operation) {
  const problems: string[] = [];
  let filledPath = path;
  const query = new URLSearchParams();
  const parameters: Record<string, string> = {};
  for (const parameter of operation.parameters ?? []) {
    const required = parameter.required === true || parameter.in === 'path';
    const value = parameter.example ?? schemaExample(parameter.schema, required);
    if (value === undefined) {
      if (required) problems.push(`${route}: ${parameter.in} parameter ${parameter.name} has no example`);
      continue;
    }
    parameters[parameter.name] = String(value);
    if (parameter.in === 'path')
      filledPath = filledPath.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
    else if (parameter.in === 'query') query.set(parameter.name, String(value));
  }
  let body: unknown;
  if (operation.requestBody) {
    const media = operation.requestBody.content['application/json'];
    body = media?.example ?? (media?.schema?.examples?.[0] as unknown) ?? media?.schema?.example;
    if (body === undefined) problems.push(`${route}: the request body has no example`);
  }
  const search = query.toString();
  const request: PrefilledRequest = {
    route,
    method: method.toUpperCase(),
    path: search ? `${filledPath}?${search}` : filledPath,
    security: (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)),
    parameters,
    ...(body === undefined ? {} : { body }),
  };
  return { request, problems };
}

/**
 * Every operation's prefilled request, in the document's order except that deletes come last
 * (as a reader tries them: create, read, change, then delete), and the problems found.
 */
export function prefillRequests(document: OpenApiDocument): { requests: PrefilledRequest[]; problems: string[] } {
  const all = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => prefillOne(`${method.toUpperCase()} ${path}`, method, path, operation)),
  );
  const ordered = [
    ...all.filter(({ request }) => request.method !== 'DELETE'),
    ...all.filter(({ request }) => request.method === 'DELETE'),
  ];
  return {
    requests: ordered.map(({ request }) => request),
    problems: ordered.flatMap(({ problems }) => problems),
  };
}
