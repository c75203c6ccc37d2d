import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { runOps } from '../../ops/cli';
import { resolveTarget } from '../../ops/ops-target';
import { captureIo } from '../support/ops-io';
import { TEST_JOBS } from '../support/test-registry';

const dynamo = mockClient(DynamoDBDocumentClient);
const logs = mockClient(CloudWatchLogsClient);
beforeEach(() => {
  dynamo.reset();
  logs.reset();
});

const latest = (jobKey: string, status: 'success' | 'error', finishedAt: string, message: string) => ({
  id: `id-${jobKey}`,
  jobKey,
  title: jobKey,
  lastStatus: status,
  lastFinishedAt: finishedAt,
  lastMessage: message,
  lastRunId: 'r1',
  late: false,
  createdAt: finishedAt,
  updatedAt: finishedAt,
});

describe('ops status', () => {
  it('lists errors first, outside reporters beside registry jobs, and registry jobs that never reported', async () => {
    dynamo.on(QueryCommand, { IndexName: 'byKind' }).resolves({
      Items: [
        latest('sample-job', 'success', '2025-08-11T10:00:00.000Z', 'ok'),
        latest('minpaku-in-report', 'error', '2025-08-11T09:00:00.000Z', 'template missing'),
      ],
    });
    dynamo.on(QueryCommand, { KeyConditionExpression: 'pk = :pk' }).resolves({ Items: [] });
    const { io, stdout } = captureIo();

    const code = await runOps(['status', '--stage', 'prod'], { io, jobs: TEST_JOBS });

    expect(code).toBe(0);
    const lines = stdout().split('\n');
    expect(lines[0]).toMatch(/\bfinished\b/);
    expect(lines[2]).toMatch(/^minpaku-in-report\s+error\s+2025-08-11 18:00:00 JST\s+reporter\s+template missing/);
    expect(lines[3]).toMatch(/^sample-job\s+success\s+2025-08-11 19:00:00 JST/);
    expect(stdout()).toMatch(/sample-outside\s+never reported/);
    expect(
      dynamo.commandCalls(QueryCommand, { TableName: 'nightshift-prod-job-status', IndexName: 'byKind' }),
    ).toHaveLength(1);
  });

  it('shows a job whose first run started and never finished as running since its start', async () => {
    const startedAt = '2025-08-11T09:30:00.000Z';
    dynamo.on(QueryCommand, { IndexName: 'byKind' }).resolves({
      Items: [
        {
          id: 'id-first',
          jobKey: 'first-run',
          title: 'first-run',
          createdAt: startedAt,
          inFlight: { runId: 'r1', startedAt },
        },
      ],
    });
    dynamo.on(QueryCommand, { KeyConditionExpression: 'pk = :pk' }).resolves({ Items: [] });
    const { io, stdout } = captureIo();

    expect(await runOps(['status', '--stage', 'prod'], { io, jobs: TEST_JOBS })).toBe(0);

    expect(stdout()).toMatch(/^first-run\s+first run running since 2025-08-11 18:30:00 JST\s+reporter/m);
    expect(stdout()).toMatch(/, 3 never reported$/m);
  });

  it('prints one JSON document with --json', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const { io, stdout } = captureIo();

    expect(await runOps(['--json', 'status'], { io, jobs: TEST_JOBS })).toBe(0);

    const parsed = JSON.parse(stdout());
    expect(parsed).toMatchObject({ stage: 'dev', region: 'ap-northeast-1', counts: { total: 2, never_reported: 2 } });
  });

  it('says the stage is not deployed when the table does not exist', async () => {
    dynamo
      .on(QueryCommand)
      .rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));
    const { io, stderr } = captureIo();

    expect(await runOps(['status', '--region', 'us-east-1'], { io, jobs: TEST_JOBS })).toBe(1);

    expect(stderr()).toBe(
      'ops: stage "dev" is not deployed in us-east-1 (job-status table nightshift-dev-job-status not found): deploy it with `npx cdk deploy --all -c stage=dev`, or pass the right --stage/--region',
    );
  });
});

describe('ops logs', () => {
  it("reads the job's log group over the last hour by default", async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { timestamp: Date.parse('2025-08-11T23:59:00Z'), message: '{"level":"INFO","message":"job started"}\n' },
      ],
    });
    const { io, stdout } = captureIo();

    expect(await runOps(['logs', 'sample-job', '--stage', 'prod'], { io, jobs: TEST_JOBS })).toBe(0);

    expect(logs.commandCalls(FilterLogEventsCommand)[0].args[0].input).toEqual({
      logGroupName: '/aws/lambda/nightshift-prod-sample-job',
      startTime: Date.parse('2025-08-11T23:00:00Z'),
      endTime: Date.parse('2025-08-12T00:00:00Z'),
    });
    expect(stdout()).toBe('2025-08-12 08:59:00 JST {"level":"INFO","message":"job started"}');
  });

  it('reads a --since time without a zone as JST, or UTC with --utc', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const { io } = captureIo();

    await runOps(['logs', 'sample-job', '--since', '2025-08-11T09:00'], { io, jobs: TEST_JOBS });
    await runOps(['logs', 'sample-job', '--since', '2025-08-11T09:00', '--utc'], { io, jobs: TEST_JOBS });
    await runOps(['logs', 'sample-job', '--since', '2025-08-11T09:00:00+02:00'], { io, jobs: TEST_JOBS });

    expect(logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input.startTime)).toEqual([
      Date.parse('2025-08-11T00:00:00Z'),
      Date.parse('2025-08-11T09:00:00Z'),
      Date.parse('2025-08-11T07:00:00Z'),
    ]);
  });

  it('prints UTC times with --utc', async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [{ timestamp: Date.parse('2025-08-11T23:59:00Z'), message: 'plain line' }],
    });
    const { io, stdout, stderr } = captureIo();

    expect(await runOps(['logs', 'sample-job', '--utc'], { io, jobs: TEST_JOBS })).toBe(0);

    expect(stdout()).toBe('2025-08-11 23:59:00 UTC plain line');
    expect(stderr()).toMatch(/since 2025-08-11 23:00:00 UTC$/);
  });

  it("filters one run's lines by its id over a day, following every page", async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ timestamp: 1, message: 'a' }], nextToken: 'next' })
      .resolvesOnce({ events: [{ timestamp: 2, message: 'b' }] });
    const { io, out } = captureIo();

    await runOps(['logs', 'sample-job', '--run', 'abc-123'], { io, jobs: TEST_JOBS });

    const calls = logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);
    expect(calls[0]).toMatchObject({ filterPattern: '"abc-123"', startTime: Date.parse('2025-08-11T00:00:00Z') });
    expect(calls[1]).toMatchObject({ nextToken: 'next', filterPattern: '"abc-123"' });
    expect(out).toHaveLength(2);
  });

  it('reads the job monitor logs too, and refuses an unknown job listing the known ones', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const { io, stderr } = captureIo();

    expect(await runOps(['logs', 'job-monitor', '--since', '2d'], { io, jobs: TEST_JOBS })).toBe(0);
    expect(logs.commandCalls(FilterLogEventsCommand)[0].args[0].input.logGroupName).toBe(
      '/aws/lambda/nightshift-dev-job-monitor',
    );
    expect(await runOps(['logs', 'no-such-job'], { io, jobs: TEST_JOBS })).toBe(2);
    expect(stderr()).toContain('ops: job "no-such-job" is not in the registry; jobs: sample-job, sample-outside');
  });

  it('refuses a --since it cannot read', async () => {
    const { io, stderr } = captureIo();
    expect(await runOps(['logs', 'sample-job', '--since', 'yesterday'], { io, jobs: TEST_JOBS })).toBe(2);
    expect(stderr()).toContain('--since "yesterday": use 30m, 1h, 2d or an ISO 8601 time');
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
  });
});

describe('ops target', () => {
  it('refuses an unknown stage, listing the stages of cdk.json, as a usage problem (exit 2)', async () => {
    const { io, stderr } = captureIo();
    expect(await runOps(['status', '--stage', 'staging'], { io, jobs: TEST_JOBS })).toBe(2);
    expect(stderr()).toBe('ops: unknown stage "staging"; stages in cdk.json: dev, prod');
  });

  it('takes the region from --region, then the environment, then the stage, and says when there is none', () => {
    const stages = { dev: { region: 'ap-northeast-1' }, bare: {} };
    expect(resolveTarget({ stage: 'dev', region: 'us-east-1' }, { AWS_REGION: 'eu-west-1' }, stages).region).toBe(
      'us-east-1',
    );
    expect(resolveTarget({ stage: 'dev' }, { AWS_REGION: 'eu-west-1' }, stages).region).toBe('eu-west-1');
    expect(resolveTarget({ stage: 'dev' }, {}, stages).region).toBe('ap-northeast-1');
    expect(() => resolveTarget({ stage: 'bare' }, {}, stages)).toThrow(
      'no AWS region for stage "bare": pass --region or set AWS_REGION',
    );
  });
});
