import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createJobReportHandler } from '../../lambdas/job-monitor/handler';
import { createWatchdogJob, watchdogPortsFromEnv } from '../../lambdas/job-watchdog/watchdog-job';
import { runJob } from '../../lambdas/shared/job-runner';
import { createJobStatusTable } from '../../local/job-status-table';
import { dynamoClient, uniqueName } from '../support/services';

/** The functions as deployed: ports built from the environment, Powertools logs and EMF on stdout. */
describe('job monitor functions built from the environment', () => {
  let client: DynamoDBClient;
  let tableName: string;
  beforeEach(async () => {
    client = dynamoClient();
    tableName = uniqueName('job-status');
    await createJobStatusTable(client, tableName);
  });
  afterEach(() => client.destroy());

  /** Runs `act` with stdout captured, returning the JSON lines written (logs and EMF). */
  async function captureStdout<T>(
    act: () => Promise<T>,
  ): Promise<{ result: T; lines: Array<Record<string, unknown>> }> {
    const chunks: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      const result = await act();
      const lines = chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'));
      return { result, lines: lines.map((line) => JSON.parse(line)) };
    } finally {
      write.mockRestore();
    }
  }

  const reportEvent = (body: unknown, secret: string): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      rawPath: '/api/monitor/job-report',
      rawQueryString: '',
      headers: { 'x-tc-portal-webhook-secret': secret, 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST' }, requestId: 'r-1' },
      body: JSON.stringify(body),
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEventV2;

  it('stores an error report and emits the JobReportedError EMF metric the alarm watches', async () => {
    const handler = createJobReportHandler({ ...process.env, JOB_STATUS_TABLE: tableName, JOB_REPORT_SECRET: 'w' });
    const report = { job_key: 'env-job', title: 'T', status: 'error', finished_at: new Date().toISOString() };

    const { result, lines } = await captureStdout(() => handler(reportEvent(report, 'w')));

    expect(result.statusCode).toBe(200);
    expect(lines).toContainEqual(expect.objectContaining({ service: 'nightshift', JobReportedError: 1 }));
    expect(lines).toContainEqual(expect.objectContaining({ message: 'job report stored', job_key: 'env-job' }));
  });

  it('fails to build the API naming JOB_STATUS_TABLE when it is unset', () => {
    expect(() => createJobReportHandler({ JOB_REPORT_SECRET: 'w' })).toThrow(
      'environment variable JOB_STATUS_TABLE is not set',
    );
  });

  it('runs the watchdog on BUILT_IN_EXPECTATIONS and emits LateJobs', async () => {
    const env = {
      ...process.env,
      JOB_STATUS_TABLE: tableName,
      BUILT_IN_EXPECTATIONS: JSON.stringify([
        { job_key: 'nightly', cron: '0 0 * * *', timezone: 'Asia/Tokyo', grace_minutes: 5 },
      ]),
    };
    const ports = watchdogPortsFromEnv(env);

    const { result, lines } = await captureStdout(() =>
      runJob(
        createWatchdogJob(() => ports),
        {},
        { store: null, publishMetrics: false },
      ),
    );

    expect(result).toMatchObject({ status: 'success', rows: 1 });
    expect(await ports.store.expectations.list()).toEqual([
      expect.objectContaining({ jobKey: 'nightly', source: 'registry' }),
    ]);
    expect(lines).toContainEqual(expect.objectContaining({ service: 'nightshift', LateJobs: 0 }));
  });
});
