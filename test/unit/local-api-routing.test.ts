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
});
