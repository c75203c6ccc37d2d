import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse, type HttpRequest, type HttpResponse, requestFromEvent } from './messages';
import type { RouteDocs } from './openapi';

/**
 * The router both APIs (job monitor, HTTP job scheduler) serve through: one function serves every
 * route of its API, so a route is a method, a path pattern with `{name}` segments, and a function.
 * Ten lines beat a framework in the bundle.
 */
export type RouteHandler = (request: HttpRequest, params: Record<string, string>) => Promise<HttpResponse>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** e.g. `/api/monitor/jobs/{job_key}/runs` */
  path: string;
  handle: RouteHandler;
  /** Its schemas, for the OpenAPI document (GET /openapi.json). */
  docs?: RouteDocs;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** Decoded path segments, or undefined when the path has broken percent-encoding. */
function decodeSegments(rawPath: string): string[] | undefined {
  try {
    return splitPath(rawPath).map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function matchPath(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    if (part.startsWith('{') && part.endsWith('}')) params[part.slice(1, -1)] = segments[index];
    else if (part !== segments[index]) return undefined;
  }
  return params;
}

export async function routeRequest(routes: readonly Route[], request: HttpRequest): Promise<HttpResponse> {
  const segments = decodeSegments(request.rawPath);
  if (!segments) return errorResponse(400, `path "${request.rawPath}" has invalid percent-encoding`);
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(splitPath(route.path), segments);
    if (!params) continue;
    if (route.method === request.method) return route.handle(request, params);
    allowed.push(route.method);
  }
  if (allowed.length > 0) {
    return errorResponse(405, `method ${request.method} is not allowed here; use ${allowed.join(', ')}`, {
      allow: allowed.join(', '),
    });
  }
  return errorResponse(404, `no route for ${request.method} ${request.rawPath}`);
}

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A route table as a Lambda handler: an unexpected error is logged with the request and answered 500. */
export function serveRoutes(routes: readonly Route[], logger: Pick<Logger, 'error'>): ApiHandler {
  return async (event) => {
    try {
      return await routeRequest(routes, requestFromEvent(event));
    } catch (error) {
      // The request id in the access log ties this line to the caller's 500.
      logger.error('request failed', {
        error: error as Error,
        method: event.requestContext?.http?.method,
        path: event.rawPath,
        request_id: event.requestContext?.requestId,
      });
      return errorResponse(500, 'Internal server error');
    }
  };
}
