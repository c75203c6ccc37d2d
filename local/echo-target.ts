import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Local mode's echo target: a URL an HTTP job can call under plain `npm start`. It answers any
 * method with what it received, so a run's `response_snippet` shows the call the job made.
 * The outbound guard allows exactly its origin (local/http-scheduler-local.ts), no other loopback port.
 */
export const ECHO_PATH = '/echo';

/** Headers worth seeing in the answer: the job's own and the caller's signature, not the whole request. */
const SHOWN_HEADER = /^(content-type|user-agent|x-nightshift-.*)$/;

function bodyOf(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined) return null;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function isEchoPath(rawPath: string): boolean {
  return rawPath === ECHO_PATH || rawPath.startsWith(`${ECHO_PATH}/`);
}

export async function echoTarget(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).filter(([name]) => SHOWN_HEADER.test(name)));
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify({
      echo: true,
      method: event.requestContext.http.method,
      path: event.rawPath,
      query: event.rawQueryString,
      headers,
      body: bodyOf(event),
    }),
  };
}
