import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { combineHandlers } from '../../local/http-scheduler-local';

/** Local mode serves both APIs on one port, as API Gateway routes them on one base URL. */
describe('local mode routing between the job monitor and the HTTP job scheduler', () => {
  const served: string[] = [];
  const handler = combineHandlers(
    async (event) => {
      served.push(`monitor ${event.rawPath}`);
      return { statusCode: 200 };
    },
    async (event) => {
      served.push(`scheduler ${event.rawPath}`);
      return { statusCode: 200 };
    },
  );

  it.each([
    ['/jobs', 'scheduler'],
    ['/jobs/abc/runs', 'scheduler'],
    ['/openapi.json', 'scheduler'],
    ['/docs', 'scheduler'],
    ['/docs/swagger-ui.css', 'scheduler'],
    ['/api/monitor/jobs', 'monitor'],
    ['/incidents', 'monitor'],
    ['/incidents/jobs/ftp-export', 'monitor'],
    ['/jobsite', 'monitor'],
    ['/documents', 'monitor'],
  ])('sends %s to the %s', async (rawPath, expected) => {
    served.length = 0;
    await handler({ rawPath } as APIGatewayProxyEventV2, {} as Context);
    expect(served).toEqual([`${expected} ${rawPath}`]);
  });

  it('answers /echo itself, with what the caller sent, and passes neither API the request', async () => {
    served.length = 0;
    const result = await handler(
      {
        rawPath: '/echo',
        rawQueryString: 'a=1',
        headers: { 'content-type': 'application/json', 'x-nightshift-job-id': 'hello', authorization: 'Bearer x' },
        requestContext: { http: { method: 'POST' } },
        body: '{"greeting":"こんにちは"}',
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2,
      {} as Context,
    );

    expect(served).toEqual([]);
    expect(result).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((result as { body: string }).body)).toEqual({
      echo: true,
      method: 'POST',
      path: '/echo',
      query: 'a=1',
      headers: { 'content-type': 'application/json', 'x-nightshift-job-id': 'hello' },
      body: { greeting: 'こんにちは' },
    });
  });

  it.each(['/echoes', '/api/echo'])('leaves %s to the job monitor', async (rawPath) => {
    served.length = 0;
    await handler({ rawPath } as APIGatewayProxyEventV2, {} as Context);
    expect(served).toEqual([`monitor ${rawPath}`]);
  });
});
