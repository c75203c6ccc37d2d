import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type HttpApiHandler, MAX_BODY_BYTES, startHttpServer } from '../../local/http-server';

/** The local stand-in for API Gateway that serves the monitor API in local mode. */
describe('local HTTP API server', () => {
  async function serve(handler: HttpApiHandler, env?: Record<string, string>) {
    const events: APIGatewayProxyEventV2[] = [];
    const server = await startHttpServer({
      port: 0,
      env,
      handler: (event, context) => {
        events.push(event);
        return handler(event, context);
      },
    });
    return { server, events };
  }

  it('hands the handler a payload 2.0 event like API Gateway', async () => {
    const { server, events } = await serve(async () => ({ statusCode: 204 }));
    try {
      await fetch(`${server.url}/api/monitor/jobs/a%2Fb/runs?limit=2&tag=x&tag=y`, {
        headers: { 'X-Custom': 'v', Cookie: 'a=1; b=2' },
      });

      expect(events[0]).toMatchObject({
        version: '2.0',
        rawPath: '/api/monitor/jobs/a%2Fb/runs',
        rawQueryString: 'limit=2&tag=x&tag=y',
        queryStringParameters: { limit: '2', tag: 'x,y' },
        cookies: ['a=1', 'b=2'],
        headers: expect.objectContaining({ 'x-custom': 'v' }),
        requestContext: expect.objectContaining({
          http: expect.objectContaining({ method: 'GET', sourceIp: '127.0.0.1' }),
        }),
        isBase64Encoded: false,
      });
      expect(events[0].headers.cookie).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('passes a JSON body as text and a binary body base64-encoded', async () => {
    const { server, events } = await serve(async () => ({ statusCode: 200, body: 'ok' }));
    try {
      await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":"日本"}',
      });
      await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array([0, 255]),
      });

      expect(events.map((event) => [event.body, event.isBase64Encoded])).toEqual([
        ['{"a":"日本"}', false],
        ['AP8=', true],
      ]);
    } finally {
      await server.close();
    }
  });

  it('writes back the status, headers, cookies and a base64 body', async () => {
    const { server } = await serve(async () => ({
      statusCode: 201,
      headers: { 'X-Answer': '42' },
      cookies: ['session=abc; HttpOnly'],
      body: Buffer.from('binary!').toString('base64'),
      isBase64Encoded: true,
    }));
    try {
      const response = await fetch(server.url);

      expect(response.status).toBe(201);
      expect(response.headers.get('x-answer')).toBe('42');
      expect(response.headers.get('set-cookie')).toBe('session=abc; HttpOnly');
      expect(await response.text()).toBe('binary!');
    } finally {
      await server.close();
    }
  });

  it('answers 413 to a body over API Gateway’s 10 MB without calling the handler', async () => {
    const { server, events } = await serve(async () => ({ statusCode: 200 }));
    try {
      const response = await fetch(server.url, { method: 'POST', body: new Uint8Array(MAX_BODY_BYTES + 1) });

      expect(response.status).toBe(413);
      expect(events).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('answers 500 like API Gateway when the handler throws', async () => {
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => {});
    const { server } = await serve(async () => {
      throw new Error('boom');
    });
    try {
      const response = await fetch(server.url);

      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    } finally {
      quiet.mockRestore();
      await server.close();
    }
  });

  it('sets the given environment while it runs and restores it on close', async () => {
    const { server } = await serve(async () => ({ statusCode: 200, body: process.env.NIGHTSHIFT_TEST_FLAG ?? '' }), {
      NIGHTSHIFT_TEST_FLAG: 'on',
    });
    const seen = await (await fetch(server.url)).text();

    await server.close();

    expect(seen).toBe('on');
    expect(process.env.NIGHTSHIFT_TEST_FLAG).toBeUndefined();
  });
});
