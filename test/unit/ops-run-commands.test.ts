import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { JobSpec } from '../../lib/job-spec';
import { runOps } from '../../ops/cli';
import { captureIo } from '../support/ops-io';
import { TEST_JOBS } from '../support/test-registry';

const lambda = mockClient(LambdaClient);
const scheduler = mockClient(SchedulerClient);
const dynamo = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  lambda.reset();
  scheduler.reset();
  dynamo.reset();
});

/** What Lambda's Invoke returns as Payload (the CLI only reads its bytes). */
const encode = (value: unknown) =>
  new Uint8Array(Buffer.from(JSON.stringify(value))) as NonNullable<InvokeCommandOutput['Payload']>;
const invokedPayloads = () =>
  lambda
    .commandCalls(InvokeCommand)
    .map((call) => JSON.parse(Buffer.from(call.args[0].input.Payload as Uint8Array).toString()));

/** Test registry plus one slot-driven and one date-driven job. */
const JOBS: readonly JobSpec[] = [
  ...TEST_JOBS,
  {
    ...TEST_JOBS[1],
    id: 'hourly-slots',
    schedules: [{ name: 'hourly', cron: '0 * * * *' }],
    backfill: { field: 'slot', unit: 'slot' },
  },
  {
    ...TEST_JOBS[1],
    id: 'daily-dates',
    schedules: [{ name: 'nightly', cron: '0 2 * * *' }],
    backfill: { field: 'target_date', unit: 'date' },
  },
];

describe('ops rerun', () => {
  it('invokes the deployed function synchronously with the payload and prints the outcome', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ status: 'success', message: '3 rows' }) });
    const { io, stdout } = captureIo();

    expect(await runOps(['rerun', 'sample-job', '{"rows":5}', '--stage', 'prod'], { io, jobs: JOBS })).toBe(0);

    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input).toMatchObject({
      FunctionName: 'nightshift-prod-sample-job',
      InvocationType: 'RequestResponse',
      LogType: 'Tail',
    });
    expect(invokedPayloads()).toEqual([{ rows: 5 }]);
    expect(JSON.parse(stdout())).toEqual({ status: 'success', message: '3 rows' });
  });

  it("sends the job's default payload when none is given", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ status: 'success' }) });
    await runOps(['rerun', 'sample-job'], { io: captureIo().io, jobs: JOBS });
    expect(invokedPayloads()).toEqual([{ rows: 3 }]);
  });

  it('exits 1 on a failed run, printing the error, the log tail and the logs command for that run', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'JobFailedError', errorMessage: 'FTP login refused' }),
      LogResult: Buffer.from('ERROR job failed\n').toString('base64'),
      $metadata: { requestId: 'req-42' },
    });
    const { io, stdout, stderr } = captureIo();

    expect(await runOps(['rerun', 'sample-job', '{}'], { io, jobs: JOBS })).toBe(1);

    expect(stdout()).toBe('FAILED sample-job: JobFailedError: FTP login refused');
    expect(stderr()).toContain('ERROR job failed');
    expect(stderr()).toContain('npm run ops -- logs sample-job --stage dev --run req-42');
  });

  it('refuses a payload that is not a JSON object before calling AWS', async () => {
    const { io, stderr } = captureIo();
    expect(await runOps(['rerun', 'sample-job', '[1]'], { io, jobs: JOBS })).toBe(2);
    expect(stderr()).toContain('payload must be a JSON object, got: [1]');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});

describe('ops pause and resume', () => {
  const current = {
    Name: 'sample-job-morning',
    GroupName: 'nightshift-dev',
    ScheduleExpression: 'cron(0 9 * * ? *)',
    ScheduleExpressionTimezone: 'Asia/Tokyo',
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    Target: {
      Arn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:nightshift-dev-sample-job',
      RoleArn: 'arn:role',
    },
    State: 'ENABLED' as const,
  };

  it('disables every schedule of the job, copying the rest of each schedule unchanged', async () => {
    scheduler.on(GetScheduleCommand).callsFake((input) => ({ ...current, Name: input.Name }));
    const { io, stdout } = captureIo();

    expect(await runOps(['pause', 'sample-job'], { io, jobs: JOBS })).toBe(0);

    expect(scheduler.commandCalls(GetScheduleCommand).map((call) => call.args[0].input)).toEqual([
      { Name: 'sample-job-morning', GroupName: 'nightshift-dev' },
      { Name: 'sample-job-weekly', GroupName: 'nightshift-dev' },
    ]);
    const updates = scheduler.commandCalls(UpdateScheduleCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(2);
    expect(updates[0]).toMatchObject({
      Name: 'sample-job-morning',
      GroupName: 'nightshift-dev',
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: current.Target,
      State: 'DISABLED',
    });
    expect(stdout()).toMatch(/sample-job-weekly\s+ENABLED\s+DISABLED/);
  });

  it('resumes only schedules that are disabled', async () => {
    scheduler.on(GetScheduleCommand, { Name: 'sample-job-morning' }).resolves({ ...current, State: 'DISABLED' });
    scheduler.on(GetScheduleCommand, { Name: 'sample-job-weekly' }).resolves({ ...current, Name: 'sample-job-weekly' });

    expect(await runOps(['resume', 'sample-job', '--json'], { io: captureIo().io, jobs: JOBS })).toBe(0);

    const updates = scheduler.commandCalls(UpdateScheduleCommand).map((call) => call.args[0].input);
    expect(updates).toEqual([expect.objectContaining({ Name: 'sample-job-morning', State: 'ENABLED' })]);
  });

  it('says which schedule is missing when the stage is not deployed', async () => {
    scheduler
      .on(GetScheduleCommand)
      .rejects(Object.assign(new Error('Schedule not found'), { name: 'ResourceNotFoundException' }));
    const { io, stderr } = captureIo();
    expect(await runOps(['pause', 'sample-outside', '--stage', 'prod'], { io, jobs: JOBS })).toBe(1);
    expect(stderr()).toContain(
      'stage "prod" is not deployed in ap-northeast-1 (schedule nightshift-prod/sample-outside-quarter-hourly not found)',
    );
  });
});

describe('ops backfill', () => {
  it('runs every slot of the schedule in the range once, skipping slots that already succeeded', async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [
        { runId: 'a', status: 'success', details: { slot: '2025-08-11T01:00' } },
        { runId: 'b', status: 'error', details: { slot: '2025-08-11T02:00' } },
        { runId: 'c', status: 'success', details: { slot: '2025-08-11T03:00', dryRun: true } },
      ],
    });
    lambda.on(InvokeCommand).callsFake((input) => {
      const { slot } = JSON.parse(Buffer.from(input.Payload).toString());
      return slot === '2025-08-11T03:00'
        ? { FunctionError: 'Unhandled', Payload: encode({ errorType: 'Error', errorMessage: 'FTP down' }) }
        : { Payload: encode({ status: 'success', message: `slot ${slot}` }) };
    });
    const { io, stdout, stderr } = captureIo();

    const code = await runOps(
      [
        'backfill',
        'hourly-slots',
        '--from',
        '2025-08-11T00:00',
        '--to',
        '2025-08-11T03:00',
        '--concurrency',
        '3',
        '--payload',
        '{"recipients":["acme"]}',
      ],
      { io, jobs: JOBS },
    );

    expect(code).toBe(1);
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
      TableName: 'nightshift-dev-job-status',
      ExpressionAttributeValues: { ':pk': 'JOB#hourly-slots', ':from': 'RUN#2025-08-10T15:00:00.000Z' },
    });
    expect(
      invokedPayloads()
        .map((payload) => payload.slot)
        .sort(),
    ).toEqual(['2025-08-11T00:00', '2025-08-11T02:00', '2025-08-11T03:00']);
    expect(invokedPayloads()[0]).toEqual({ recipients: ['acme'], slot: '2025-08-11T00:00' });
    expect(stdout()).toMatch(/2025-08-11T01:00\s+skipped\s+already succeeded/);
    expect(stdout()).toMatch(/2025-08-11T03:00\s+failed\s+\d+\.\d\s+Error: FTP down/);
    expect(stdout()).toContain(': 2 succeeded, 1 failed');
    expect(stdout()).toContain('1 failed, 1 skipped (already succeeded; --force runs them again)');
    expect(stderr()).toContain('4/4 (2 ok, 1 failed, 1 skipped)');
  });

  it('marks each run as part of a backfill in its client context, which a re-run does not carry', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    lambda.on(InvokeCommand).resolves({ Payload: encode({ status: 'success', message: 'ok' }) });
    const { io } = captureIo();
    const range = ['--from', '2025-08-11T00:00', '--to', '2025-08-11T01:00'];

    await runOps(['backfill', 'hourly-slots', ...range], { io, jobs: JOBS });
    await runOps(['rerun', 'hourly-slots', '{"slot":"2025-08-11T00:00"}'], { io, jobs: JOBS });

    const contexts = lambda
      .commandCalls(InvokeCommand)
      .map((call) => call.args[0].input.ClientContext)
      .map((encoded) => (encoded ? JSON.parse(Buffer.from(encoded, 'base64').toString()) : undefined));
    expect(contexts).toEqual([
      { custom: { nightshift_run_kind: 'backfill' } },
      { custom: { nightshift_run_kind: 'backfill' } },
      undefined,
    ]);
  });

  it('runs every date with --force, without reading the history, and never past today (JST)', async () => {
    lambda.on(InvokeCommand).resolves({ Payload: encode({ status: 'success' }) });
    const { io } = captureIo(new Date('2025-08-12T00:00:00Z')); // 09:00 JST on 2025-08-12

    const code = await runOps(
      ['backfill', 'daily-dates', '--from', '2025-08-10', '--to', '2025-08-20', '--force', '--json'],
      {
        io,
        jobs: JOBS,
      },
    );

    expect(code).toBe(0);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    expect(invokedPayloads().map((payload) => payload.target_date)).toEqual(['2025-08-10', '2025-08-11', '2025-08-12']);
  });

  it('keeps no more runs in flight than --concurrency', async () => {
    let inFlight = 0;
    let most = 0;
    lambda.on(InvokeCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return { Payload: encode({ status: 'success' }) };
    });
    const { io } = captureIo();
    await runOps(
      ['backfill', 'daily-dates', '--from', '2025-08-01', '--to', '2025-08-10', '--force', '--concurrency', '2'],
      {
        io,
        jobs: JOBS,
      },
    );
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(10);
    expect(most).toBe(2);
  });

  it('refuses a job that is neither date- nor slot-driven, listing those that are', async () => {
    const { io, stderr } = captureIo();
    expect(
      await runOps(['backfill', 'sample-job', '--from', '2025-08-01', '--to', '2025-08-02'], { io, jobs: JOBS }),
    ).toBe(2);
    expect(stderr()).toContain(
      'job "sample-job" cannot be used here; date- or slot-driven jobs: hourly-slots, daily-dates',
    );
  });

  it('refuses a range that ends before it starts', async () => {
    const { io, stderr } = captureIo();
    expect(
      await runOps(['backfill', 'daily-dates', '--from', '2025-08-05', '--to', '2025-08-01'], { io, jobs: JOBS }),
    ).toBe(2);
    expect(stderr()).toContain('--to 2025-08-01 is before --from 2025-08-05');
  });
});

describe('ops without AWS credentials', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('says so in one line instead of a stack trace', async () => {
    lambda.restore();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete process.env[name];
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    });
    const { io, stderr } = captureIo();

    expect(await runOps(['rerun', 'sample-job', '{}'], { io, jobs: JOBS })).toBe(1);

    expect(stderr().split('\n').at(-1)).toBe(
      'ops: no AWS credentials: set AWS_PROFILE (then `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
    );
  });

  describe('with AWS_PROFILE set', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'ops-profiles-'));
      writeFileSync(
        path.join(dir, 'config'),
        '[default]\nregion = ap-northeast-1\n[profile on-call]\nsso_session = x\n',
      );
      writeFileSync(path.join(dir, 'credentials'), '[ci]\naws_access_key_id = x\n');
      lambda.restore();
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete process.env[name];
      Object.assign(process.env, {
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: path.join(dir, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
      });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('names a profile that does not exist, and the ones that do, as a usage problem (exit 2)', async () => {
      process.env.AWS_PROFILE = 'nonexistent';
      const { io, stderr } = captureIo();

      expect(await runOps(['rerun', 'sample-job', '{}'], { io, jobs: JOBS })).toBe(2);

      expect(stderr().split('\n').at(-1)).toBe(
        `ops: AWS profile "nonexistent" (AWS_PROFILE) is not in ${dir}/config or ${dir}/credentials; profiles there: default, on-call, ci`,
      );
    });
  });
});
