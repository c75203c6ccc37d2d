import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { credentialsFromEnv } from '../../lambdas/job-monitor/credentials';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** The TC Portal job-report contract and nightshift's own limits, against the local API on dynalite. */
describe('POST /api/monitor/job-report', () => {
  let api: MonitorFixture;
  beforeEach(async () => {
    api = await startMonitorFixture();
  });
  afterEach(async () => {
    await api.close();
  });

  it('stores a report and answers with the TC Portal success body', async () => {
    const response = await api.report(validReport(api));

    expect(response).toEqual({
      status: 200,
      json: { success: true, id: expect.stringMatching(/^[0-9a-f-]{36}$/), job_key: 'minpaku-in-report' },
    });
    const latest = await api.store.getLatest('minpaku-in-report');
    expect(latest).toMatchObject({ id: response.json.id, lastStatus: 'success', lastMessage: '処理完了', late: false });
  });

  it('answers every report of a job with the same status row id', async () => {
    const first = await api.report(validReport(api, { finished_at: '2025-08-11T03:00:00Z' }));
    const second = await api.report(validReport(api, { finished_at: '2025-08-11T04:00:00Z', status: 'error' }));

    expect(second.json.id).toBe(first.json.id);
  });

  it('rejects a request without the secret header with 401', async () => {
    const response = await api.report(validReport(api), {});

    expect(response).toEqual({ status: 401, json: { error: 'Invalid or missing webhook secret' } });
  });

  it('rejects a wrong secret with 401 before looking at the body', async () => {
    const response = await api.report('{not json', { 'x-tc-portal-webhook-secret': `${api.writeSecret}x` });

    expect(response).toEqual({ status: 401, json: { error: 'Invalid or missing webhook secret' } });
  });

  it('answers 500 Server configuration error when no write secret is configured', async () => {
    const unconfigured = await startMonitorFixture({ credentials: credentialsFromEnv({}) });
    try {
      const response = await unconfigured.report(validReport(unconfigured), { 'x-tc-portal-webhook-secret': 'any' });

      expect(response).toEqual({ status: 500, json: { error: 'Server configuration error' } });
    } finally {
      await unconfigured.close();
    }
  });

  it('accepts the previous secret of a rotating Secrets Manager value', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'job-report-secrets-'));
    const secretsFile = path.join(dir, 'secrets.json');
    await writeFile(
      secretsFile,
      JSON.stringify({ 'nightshift/job-report': { current: 'new-one', previous: 'old-one' } }),
    );
    process.env.NIGHTSHIFT_LOCAL_SECRETS_FILE = secretsFile; // readJsonSecret's local stand-in for Secrets Manager
    const rotating = await startMonitorFixture({
      credentials: credentialsFromEnv({ JOB_REPORT_SECRET_NAME: 'nightshift/job-report' }),
    });
    try {
      const withOld = await rotating.report(validReport(rotating), { 'x-tc-portal-webhook-secret': 'old-one' });
      const withNew = await rotating.report(validReport(rotating), { 'x-tc-portal-webhook-secret': 'new-one' });

      expect([withOld.status, withNew.status]).toEqual([200, 200]);
    } finally {
      delete process.env.NIGHTSHIFT_LOCAL_SECRETS_FILE;
      await rotating.close();
      await rm(dir, { recursive: true });
    }
  });

  it('accepts the TC Portal Python reporter body: microseconds, +00:00 and message null', async () => {
    const response = await api.report(
      validReport(api, { finished_at: '2025-08-11T03:00:00.123456+00:00', message: null }),
    );

    expect(response.status).toBe(200);
    const latest = await api.store.getLatest('minpaku-in-report');
    expect(latest).toMatchObject({ lastFinishedAt: '2025-08-11T03:00:00.123Z', lastMessage: null });
  });

  it('ignores unknown fields', async () => {
    const response = await api.report(validReport(api, { hostname: 'PC-01', extra: { nested: true } }));

    expect(response.status).toBe(200);
  });

  it('stores a valid tool_id in lower case', async () => {
    await api.report(validReport(api, { tool_id: '0F8FAD5B-D9CB-469F-A165-70867728950E' }));

    expect((await api.store.getLatest('minpaku-in-report'))?.toolId).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
  });

  it('keeps an older report in the history without overwriting the latest status', async () => {
    await api.report(validReport(api, { finished_at: '2025-08-11T04:00:00Z', status: 'success' }));
    await api.report(validReport(api, { finished_at: '2025-08-11T03:00:00Z', status: 'error', message: 'old' }));

    const latest = await api.store.getLatest('minpaku-in-report');
    const { runs } = await api.store.listRuns('minpaku-in-report');
    expect(latest).toMatchObject({ lastStatus: 'success', lastFinishedAt: '2025-08-11T04:00:00.000Z' });
    expect(runs.map((run) => run.finishedAt)).toEqual(['2025-08-11T04:00:00.000Z', '2025-08-11T03:00:00.000Z']);
  });

  it('stores the same report delivered twice once', async () => {
    const report = validReport(api, { status: 'error', message: 'disk full' });
    await api.report(report);
    await api.report(report);

    const { runs } = await api.store.listRuns('minpaku-in-report');
    expect(runs).toHaveLength(1);
    expect(api.reportedErrors).toEqual(['minpaku-in-report']);
  });

  it('accepts a body that starts with a UTF-8 byte-order mark, as Windows tools send it', async () => {
    const response = await api.report(`\uFEFF${JSON.stringify(validReport(api))}`);

    expect(response.status).toBe(200);
    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({ lastStatus: 'success' });
  });

  it('stores the same report from two tools (different tool_id) as two runs', async () => {
    const report = validReport(api, { finished_at: '2025-08-11T03:00:00Z' });
    await api.report({ ...report, tool_id: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    await api.report({ ...report, tool_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7' });

    const { runs } = await api.store.listRuns('minpaku-in-report');
    expect(runs.map((run) => run.toolId).sort()).toEqual([
      '0f8fad5b-d9cb-469f-a165-70867728950e',
      '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    ]);
  });

  it('does not let a redelivered copy of an earlier report flip the latest status back', async () => {
    const success = validReport(api, { finished_at: '2025-08-11T03:00:00Z', status: 'success' });
    const failure = validReport(api, { finished_at: '2025-08-11T03:00:00Z', status: 'error', message: 'disk full' });
    await api.report(success);
    await api.report(failure);

    const redelivered = await api.report(success);

    expect(redelivered.status).toBe(200);
    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({
      lastStatus: 'error',
      lastMessage: 'disk full',
    });
  });

  it('does not let a redelivered copy of the latest report clear a late mark or count as a check-in', async () => {
    const report = validReport(api, { finished_at: '2025-08-11T03:00:00Z' });
    await api.report(report);
    const before = await api.store.getLatest('minpaku-in-report');
    await api.store.markLate('minpaku-in-report', '2025-08-11T05:00:00.000Z', before!.updatedAt);
    api.clock.now = new Date(api.clock.now.getTime() + 3_600_000);

    await api.report(report);

    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({
      late: true,
      lateSince: '2025-08-11T05:00:00.000Z',
      lastReceivedAt: before!.lastReceivedAt,
    });
  });

  it('gives each history row a TTL of 90 days after finished_at', async () => {
    await api.report(validReport(api, { finished_at: '2025-08-11T03:00:00Z' }));

    const { Items } = await api.db.send(
      new QueryCommand({
        TableName: api.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': 'JOB#minpaku-in-report', ':run': 'RUN#' },
      }),
    );
    expect(Items?.map((item) => item.expiresAt)).toEqual([Date.parse('2025-08-11T03:00:00Z') / 1000 + 90 * 86_400]);
  });

  it('does not let the secret reach the logs', async () => {
    await api.report(validReport(api, { status: 'error' }));

    expect(api.logLines.length).toBeGreaterThan(0);
    expect(api.logLines.join('\n')).not.toContain(api.writeSecret);
  });
});

describe('POST /api/monitor/job-report with bad input', () => {
  let api: MonitorFixture;
  beforeAll(async () => {
    api = await startMonitorFixture();
  });
  afterAll(async () => {
    await api.close();
  });

  const future = () => new Date(api.clock.now.getTime() + 6 * 60_000).toISOString();
  const cases: Array<[string, () => unknown, number, string]> = [
    ['a body that is not JSON', () => '{"job_key": ', 400, 'Invalid JSON body'],
    ['a JSON array', () => '[1, 2]', 400, 'Invalid JSON body'],
    ['an empty body', () => '', 400, 'Invalid JSON body'],
    ['a missing job_key', () => validReport(api, { job_key: undefined }), 400, 'job_key is required'],
    ['a numeric job_key', () => validReport(api, { job_key: 42 }), 400, 'job_key is required'],
    ['a missing title', () => validReport(api, { title: '' }), 400, 'title is required'],
    ['an unknown status', () => validReport(api, { status: 'ok' }), 400, "status must be 'success' or 'error'"],
    ['a missing finished_at', () => validReport(api, { finished_at: undefined }), 400, 'finished_at is required'],
    [
      'a finished_at that is not a date',
      () => validReport(api, { finished_at: 'yesterday' }),
      400,
      'finished_at must be valid ISO 8601',
    ],
    [
      'a finished_at given as a number',
      () => validReport(api, { finished_at: 1754881200000 }),
      400,
      'finished_at must be valid ISO 8601',
    ],
    [
      'job_key and status both wrong (TC Portal order)',
      () => validReport(api, { job_key: '', status: 'x' }),
      400,
      'job_key is required',
    ],
    [
      'a body over 64 KiB',
      () => validReport(api, { padding: 'x'.repeat(65 * 1024) }),
      413,
      'request body must be at most 65536 bytes (64 KiB)',
    ],
    [
      'a job_key over 200 characters',
      () => validReport(api, { job_key: 'k'.repeat(201) }),
      400,
      'job_key must be at most 200 characters',
    ],
    [
      'a job_key with a control character',
      () => validReport(api, { job_key: 'a\nb' }),
      400,
      'job_key must not contain control characters',
    ],
    [
      'a title over 200 characters',
      () => validReport(api, { title: 't'.repeat(201) }),
      400,
      'title must be at most 200 characters',
    ],
    [
      'a message over 4000 characters',
      () => validReport(api, { message: 'm'.repeat(4001) }),
      400,
      'message must be at most 4000 characters',
    ],
    ['a message that is a number', () => validReport(api, { message: 3 }), 400, 'message must be a string or null'],
    ['a tool_id that is not a UUID', () => validReport(api, { tool_id: 'tool-1' }), 400, 'tool_id must be a UUID'],
    ['a blank job_key', () => validReport(api, { job_key: ' ' }), 400, 'job_key must not be blank'],
    [
      'a job_key of only a zero-width space',
      () => validReport(api, { job_key: '\u200b' }),
      400,
      'job_key must not be blank',
    ],
    [
      'a job_key with a zero-width space inside',
      () => validReport(api, { job_key: 'back\u200bup' }),
      400,
      'job_key must not contain invisible or bidirectional formatting characters (such as U+200B or U+202E)',
    ],
    [
      'a job_key with a right-to-left override',
      () => validReport(api, { job_key: 'pukcab\u202e' }),
      400,
      'job_key must not contain invisible or bidirectional formatting characters (such as U+200B or U+202E)',
    ],
    [
      'a job_key with a trailing space',
      () => validReport(api, { job_key: 'backup ' }),
      400,
      'job_key must not start or end with white space',
    ],
    [
      'a title with a NUL character',
      () => validReport(api, { title: 'a\u0000b' }),
      400,
      'title must not contain control characters',
    ],
    ['a blank title', () => validReport(api, { title: '\u3000' }), 400, 'title must not be blank'],
  ];

  it.each(cases)('rejects %s with the error naming the field, storing nothing', async (_name, body, status, error) => {
    const response = await api.report(body());

    expect(response).toEqual({ status, json: { error } });
    expect(await api.store.listLatest()).toEqual([]);
  });

  it('rejects a finished_at more than 5 minutes in the future', async () => {
    const response = await api.report(validReport(api, { finished_at: future() }));

    expect(response.status).toBe(400);
    expect(response.json.error).toMatch(/^finished_at must not be more than 5 minutes in the future/);
  });
});
