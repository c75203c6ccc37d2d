import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { runOps } from '../../ops/cli';
import { untilArgument } from '../../ops/job-lifecycle';
import { captureIo } from '../support/ops-io';
import { TEST_JOBS } from '../support/test-registry';

/** `ops mute`, `unmute` and `forget` against AWS (the SDK mocked): what they send to DynamoDB and CloudWatch. */
const dynamo = mockClient(DynamoDBDocumentClient);
const cloudwatch = mockClient(CloudWatchClient);
beforeEach(() => {
  dynamo.reset();
  cloudwatch.reset();
});

const TABLE = 'nightshift-prod-job-status';
const NOW = new Date('2025-08-12T00:00:00Z'); // captureIo's clock
const latestRow = {
  pk: 'JOB#sales-import',
  sk: 'LATEST',
  kind: 'latest',
  id: 'id-1',
  jobKey: 'sales-import',
  title: '売上データ取込',
  lastStatus: 'error',
  lastFinishedAt: '2025-08-11T23:00:00.000Z',
  lastMessage: 'FileNotFoundError',
  lastRunId: 'r1',
  late: false,
  createdAt: '2025-08-01T00:00:00.000Z',
  updatedAt: '2025-08-11T23:00:01.000Z',
};

async function ops(...args: string[]) {
  const io = captureIo(NOW);
  const code = await runOps([...args, '--stage', 'prod'], { io: io.io, jobs: TEST_JOBS });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('ops mute', () => {
  it('stores a mute until the time a duration names, in the stage’s job-status table', async () => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(GetCommand, { Key: { pk: 'JOB#sales-import', sk: 'LATEST' } }).resolves({ Item: latestRow });
    dynamo.on(PutCommand).resolves({});

    const result = await ops('mute', 'sales-import', '--until', '2h', '--reason', '取引先のFTP移行中');

    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toBe(
      'muted sales-import until 2025-08-12 11:00:00 JST in prod (ap-northeast-1): 取引先のFTP移行中',
    );
    expect(dynamo.commandCalls(PutCommand)[0].args[0].input).toMatchObject({
      TableName: TABLE,
      Item: { pk: 'MUTE', sk: 'JOB#sales-import', until: '2025-08-12T02:00:00.000Z', reason: '取引先のFTP移行中' },
    });
  });

  it.each([
    [['--until', 'yesterday', '--reason', 'x'], /^ops: --until must be an ISO 8601 time or duration/],
    [['--until', '31d', '--reason', 'x'], /^ops: --until must be at most 30 days ahead/],
    [['--until', '2025-08-11T00:00:00Z', '--reason', 'x'], /^ops: --until must be in the future/],
    [['--until', '2h', '--reason', ' '], /^ops: --reason must not be blank/],
  ])('refuses %j with exit 2, naming the option, and writes nothing', async (options, message) => {
    const result = await ops('mute', 'sales-import', ...options);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(dynamo.commandCalls(PutCommand)).toEqual([]);
  });

  it('refuses a job the monitor does not know, with exit 2', async () => {
    dynamo.on(GetCommand).resolves({});

    const result = await ops('mute', 'no-such-job', '--until', '2h', '--reason', 'x');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('job "no-such-job" is not known to the job monitor in prod (ap-northeast-1)');
    expect(dynamo.commandCalls(PutCommand)).toEqual([]);
  });
});

describe('ops unmute', () => {
  it('deletes the mute and publishes the still failing job’s error and the late total at once', async () => {
    dynamo.on(DeleteCommand).resolves({
      Attributes: { jobKey: 'sales-import', until: '2025-08-12T02:00:00.000Z', reason: 'x', mutedAt: '' },
    });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(QueryCommand, { IndexName: 'byKind' }).resolves({ Items: [latestRow] });
    cloudwatch.on(PutMetricDataCommand).resolves({});

    const result = await ops('unmute', 'sales-import');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('unmuted sales-import in prod (ap-northeast-1): still failing');
    expect(dynamo.commandCalls(DeleteCommand)[0].args[0].input).toMatchObject({
      TableName: TABLE,
      Key: { pk: 'MUTE', sk: 'JOB#sales-import' },
    });
    const service = { Name: 'service', Value: 'nightshift' };
    expect(cloudwatch.commandCalls(PutMetricDataCommand)[0].args[0].input).toEqual({
      Namespace: 'Nightshift',
      MetricData: [
        { MetricName: 'JobReportedError', Value: 1, Unit: 'Count', Dimensions: [service] },
        {
          MetricName: 'JobReportedError',
          Value: 1,
          Unit: 'Count',
          Dimensions: [service, { Name: 'job', Value: 'sales-import' }],
        },
        { MetricName: 'LateJobs', Value: 0, Unit: 'Count', Dimensions: [service] },
      ],
    });
  });

  it('changes nothing and publishes nothing for a known job that is not muted', async () => {
    dynamo.on(DeleteCommand).resolves({});
    dynamo.on(GetCommand).resolves({});
    dynamo.on(GetCommand, { Key: { pk: 'JOB#sales-import', sk: 'LATEST' } }).resolves({ Item: latestRow });

    const result = await ops('unmute', 'sales-import');

    expect(result).toMatchObject({
      code: 0,
      stdout: 'sales-import was not muted in prod (ap-northeast-1); nothing changed',
    });
    expect(cloudwatch.commandCalls(PutMetricDataCommand)).toEqual([]);
  });
});

describe('ops forget', () => {
  it('deletes the history in batches, then the latest status as read, the expectation and the mute', async () => {
    dynamo.on(GetCommand).resolves({ Item: { updatedAt: latestRow.updatedAt } });
    dynamo.on(QueryCommand).resolves({
      Items: [
        { pk: 'JOB#sales-import', sk: 'RUN#2025-08-11T22:00:00.000Z#r0' },
        { pk: 'JOB#sales-import', sk: 'RUN#2025-08-11T23:00:00.000Z#r1' },
      ],
    });
    dynamo.on(BatchWriteCommand).resolves({});
    dynamo.on(DeleteCommand).resolves({});

    const result = await ops('forget', 'sales-import');

    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toBe(
      'forgot sales-import in prod (ap-northeast-1): status, expectation, mute and 2 runs deleted',
    );
    expect(dynamo.commandCalls(BatchWriteCommand)[0].args[0].input.RequestItems?.[TABLE]).toHaveLength(2);
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key)).toEqual([
      { pk: 'JOB#sales-import', sk: 'LATEST' },
      { pk: 'EXPECTATION', sk: 'JOB#sales-import' },
      { pk: 'MUTE', sk: 'JOB#sales-import' },
    ]);
    expect(dynamo.commandCalls(DeleteCommand)[0].args[0].input).toMatchObject({
      ConditionExpression:
        'attribute_not_exists(parkedRunIds) AND updatedAt = :seen AND attribute_not_exists(inFlight)',
    });
  });

  it('refuses a job the monitor does not know, with exit 2', async () => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(DeleteCommand).resolves({});

    const result = await ops('forget', 'no-such-job');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('job "no-such-job" is not known to the job monitor');
  });

  it('refuses a job_key no report could have used', async () => {
    const result = await ops('forget', ' padded');

    expect(result).toMatchObject({ code: 2, stderr: 'ops: job_key must not start or end with white space' });
  });
});

describe('ops status', () => {
  it('shows a muted job muted, with the end of its mute', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(QueryCommand, { IndexName: 'byKind' }).resolves({ Items: [latestRow] });
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'MUTE' } }).resolves({
      Items: [{ jobKey: 'sales-import', until: '2025-08-12T02:00:00.000Z', reason: 'x', mutedAt: '' }],
    });

    const result = await ops('status');

    expect(result.stdout).toMatch(/^sales-import\s+error \(muted until 2025-08-12 11:00:00 JST\)/m);
  });
});

describe('--until', () => {
  it.each([
    ['30m', 'PT30M'],
    ['2h', 'PT2H'],
    ['3d', 'P3D'],
    ['1w', 'P1W'],
    ['2026-12-03T09:00:00+09:00', '2026-12-03T09:00:00+09:00'],
  ])('reads %s as %s', (text, until) => {
    expect(untilArgument(text)).toBe(until);
  });
});
