import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** The parts of an API Gateway HTTP API (payload 2.0) request the routes read. */
export interface HttpRequest {
  method: string;
  /** The raw, still percent-encoded path: the router decodes each segment on its own, so a `%2F` stays in its segment. */
  rawPath: string;
  query: URLSearchParams;
  /** Lower-cased names, as API Gateway delivers them. */
  headers: Record<string, string | undefined>;
  /** The body as text (base64 bodies decoded), undefined when there is none. */
  body: string | undefined;
}

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number };

export function requestFromEvent(event: APIGatewayProxyEventV2): HttpRequest {
  const body =
    event.body === undefined || event.body === null
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    method: event.requestContext.http.method.toUpperCase(),
    rawPath: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body,
  };
}

/** Responses are per user and change every minute: never cached by a browser or a proxy. */
const NO_STORE = { 'cache-control': 'no-store' };

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
    body: JSON.stringify(body),
  };
}

/** The page has no script and loads nothing: the policy says so, so injected markup could do nothing either. */
const PAGE_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function htmlResponse(statusCode: number, html: string, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE, ...PAGE_SECURITY_HEADERS, ...headers },
    body: html,
  };
}

/** `{"error": "..."}`: the TC Portal's error shape, which every route of both APIs answers with. */
export function errorResponse(statusCode: number, error: string, headers: Record<string, string> = {}): HttpResponse {
  return jsonResponse(statusCode, { error }, headers);
}
