import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { watchExpectations } from '../../lambdas/job-watchdog/watch-expectations';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/**
 * A report is stored all or nothing, and its retry completes it: the store's DynamoDB client fails on its
 * Nth call (dynalite underneath does the rest), for every N a report makes.
 */
describe('job report when DynamoDB fails mid-write', () => {
  let api: MonitorFixture;
  beforeEach(async () => {
    api = await startMonitorFixture({ now: new Date('2025-08-11T06:00:00Z') });
  });
  afterEach(async () => {
    await api.close();
  });

  const report = () => validReport(api, { finished_at: '2025-08-11T05:00:00Z', status: 'error', message: 'disk full' });

  async function rows() {
    const { Items = [] } = await api.db.send(
      new QueryCommand({
        TableName: api.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'JOB#minpaku-in-report' },
      }),
    );
    return Items;
  }

  /** How many DynamoDB calls a first delivery makes, measured rather than assumed. */
  async function callsOfOneReport(): Promise<number> {
    const probe = await startMonitorFixture({ now: api.clock.now });
    try {
      const before = probe.dynamoFaults.calls;
      await probe.report(validReport(probe, { finished_at: '2025-08-11T05:00:00Z', status: 'error' }));
      return probe.dynamoFaults.calls - before;
    } finally {
      await probe.close();
    }
  }

  it('makes at least the four calls of the commit protocol', async () => {
    expect(await callsOfOneReport()).toBeGreaterThanOrEqual(4);
  });

  it.each([1, 2, 3, 4])(
    'after failing call %i, the retry stores the run once with its latest status and emits JobReportedError once',
    async (failing) => {
      api.dynamoFaults.failOnCall = api.dynamoFaults.calls + failing;
      const first = await api.report(report());
      const retry = await api.report(report());

      expect(retry).toEqual({
        status: 200,
        json: { success: true, id: expect.any(String), job_key: 'minpaku-in-report' },
      });
      const history = (await rows()).filter((row) => String(row.sk).startsWith('RUN#'));
      expect(history).toHaveLength(1);
      expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({
        lastStatus: 'error',
        lastMessage: 'disk full',
      });
      expect(api.reportedErrors).toEqual(['minpaku-in-report']);
      // The first attempt either failed (500) or its last step's failure was harmless (200).
      expect([200, 500]).toContain(first.status);
    },
  );

  it.each([1, 2])('leaves nothing behind when call %i of a report fails', async (failing) => {
    api.dynamoFaults.failOnCall = api.dynamoFaults.calls + failing;

    const response = await api.report(report());

    expect(response).toEqual({ status: 500, json: { error: 'Failed to update job status' } });
    expect(await rows()).toEqual([]);
    expect(api.reportedErrors).toEqual([]);
  });

  it('writes out the history row of an interrupted report when the job reports next, even without a retry', async () => {
    api.dynamoFaults.failOnCall = api.dynamoFaults.calls + 3; // the history row write
    const interrupted = await api.report(report());
    expect(interrupted.status).toBe(500);
    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({ lastStatus: 'error' });
    api.clock.now = new Date(api.clock.now.getTime() + 2 * 60_000);

    await api.report(validReport(api, { finished_at: '2025-08-11T05:30:00Z', status: 'success' }));

    const { runs } = await api.store.listRuns('minpaku-in-report');
    expect(runs.map((run) => [run.finishedAt, run.status])).toEqual([
      ['2025-08-11T05:30:00.000Z', 'success'],
      ['2025-08-11T05:00:00.000Z', 'error'],
    ]);
    expect((await rows()).some((row) => 'parkedRunIds' in row)).toBe(false);
  });

  it('stores 20 concurrent reports of one job completely, the newest as its latest status', async () => {
    const reports = Array.from({ length: 20 }, (_, index) =>
      validReport(api, { finished_at: new Date(Date.parse('2025-08-11T05:00:00Z') + index * 1000).toISOString() }),
    );

    const responses = await Promise.all(reports.map((sent) => api.report(sent)));

    expect(responses.map((response) => response.status)).toEqual(reports.map(() => 200));
    expect((await api.store.getLatest('minpaku-in-report'))?.lastFinishedAt).toBe('2025-08-11T05:00:19.000Z');
    expect((await api.store.listRuns('minpaku-in-report', { limit: 50 })).runs).toHaveLength(20);
    expect((await rows()).some((row) => 'parkedRunIds' in row)).toBe(false);
  });

  it('has the watchdog write out the history row of an interrupted report its reporter never retried', async () => {
    api.dynamoFaults.failOnCall = api.dynamoFaults.calls + 3; // the history row write
    await api.report(report());
    api.clock.now = new Date(api.clock.now.getTime() + 2 * 60_000);

    const result = await watchExpectations({ store: api.store, builtIn: [], now: api.clock.now });

    expect(result.completed).toEqual(['minpaku-in-report']);
    const { runs } = await api.store.listRuns('minpaku-in-report');
    expect(runs.map((run) => run.message)).toEqual(['disk full']);
    expect((await rows()).some((row) => 'parkedRunIds' in row)).toBe(false);
  });

  it('emits JobReportedError for an error report whose first attempt failed before anything was written', async () => {
    api.dynamoFaults.failOnCall = api.dynamoFaults.calls + 2;
    await api.report(report());
    expect(api.reportedErrors).toEqual([]);

    await api.report(report());

    expect(api.reportedErrors).toEqual(['minpaku-in-report']);
  });
});
