import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type CallerDeps, callerDepsOver, callJob } from '../../lambdas/http-scheduler/call-job';
import { HttpJobStore } from '../../lambdas/http-scheduler/job-store';
import { JobStatusStore } from '../../lambdas/shared/job-status-store';
import { countDynamoDbRequests } from '../support/dynamodb-requests';
import { dynamoClient } from '../support/services';
import { type SchedulerFixture, startSchedulerFixture } from './http-scheduler-fixture';

/**
 * What one run costs in DynamoDB requests, counted at the client (retries included), and what the
 * single closing transaction guarantees: a run is recorded whole, once, or not at all, and a run
 * whose caller stopped is recorded by the next one.
 */
describe('HTTP job run bookkeeping', () => {
  let fixture: SchedulerFixture;
  let target: http.Server;
  let targetUrl: string;
  let hits = 0;
  const clients: ReturnType<typeof dynamoClient>[] = [];

  beforeAll(async () => {
    fixture = await startSchedulerFixture();
    target = http.createServer((request, response) => {
      hits += 1;
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    target.closeAllConnections();
    target.close();
    await fixture.close();
  });

  /**
   * Caller ports over their own client, whose every request is counted. `endTable`: the table its closing
   * transaction writes the job monitor's records to (a missing one makes that transaction fail; the start,
   * taken with the lease, still goes to the real one).
   */
  function countedCaller(endTable = fixture.statusStore.tableName) {
    const client = dynamoClient();
    clients.push(client);
    const count = countDynamoDbRequests(client);
    const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const store = new HttpJobStore(db, fixture.tableName);
    const ending = new JobStatusStore(db, endTable);
    const statusStore = {
      tableName: endTable,
      runCommitWrites: ending.runCommitWrites.bind(ending),
      inFlight: new JobStatusStore(db, fixture.statusStore.tableName).inFlight,
    };
    const deps: CallerDeps = {
      ...callerDepsOver({
        store,
        secrets: fixture.secrets,
        statusStore,
        allowHosts: new Set(['127.0.0.1']),
        logger: { info: () => {}, warn: () => {}, error: () => {} } as unknown as CallerDeps['logger'],
      }),
      metrics: { jobReportedError: () => {} },
    };
    return { deps, count, store };
  }

  async function createJob(body: Record<string, unknown> = {}) {
    const schedule = body.schedule_type ? {} : { schedule_type: 'interval', interval: { minutes: 10 } };
    const response = await fixture.request('POST', '/jobs', { ...schedule, target_url: targetUrl, ...body });
    if (response.status !== 201) throw new Error(JSON.stringify(response.json));
    return response.json.job_id as string;
  }

  const runsOf = async (jobId: string) => (await fixture.request('GET', `/jobs/${jobId}/runs`)).json.runs;
  const lease = async (jobId: string) =>
    (await fixture.db.send(new GetCommand({ TableName: fixture.tableName, Key: { pk: `JOB#${jobId}`, sk: 'LEASE' } })))
      .Item;

  it('costs three DynamoDB requests for a run that calls its target: read ∥ lease and start, one transaction', async () => {
    const jobId = await createJob();
    const { deps, count } = countedCaller();

    const run = await callJob(deps, { job_id: jobId, scheduled_time: new Date().toISOString() });

    expect(run?.status).toBe('success');
    expect(count.byOperation).toEqual({ GetItemCommand: 1, TransactWriteItemsCommand: 2 });
    expect(count.capacityUnits).toBeGreaterThan(0);
    expect(await runsOf(jobId)).toEqual([expect.objectContaining({ run_id: run?.runId, status: 'success' })]);
    expect(await fixture.statusStore.getLatest(`http-job:${jobId}`)).toMatchObject({ lastRunId: run?.runId });
    expect((await fixture.statusStore.listRuns(`http-job:${jobId}`)).runs).toHaveLength(1);
    expect(await lease(jobId)).toBeUndefined();
  });

  it('stays within three requests for a missed run, a skipped run and a one-shot job completed', async () => {
    const jobId = await createJob({ misfire_grace_sec: 1 });
    const oneShot = await createJob({
      schedule_type: 'date',
      run_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const { deps, count } = countedCaller();
    const counts: Record<string, number> = {};

    await callJob(deps, { job_id: jobId, scheduled_time: new Date(Date.now() - 60_000).toISOString() });
    counts.missed = count.requests;
    count.reset();
    await callJob(deps, { job_id: oneShot, scheduled_time: new Date().toISOString() });
    counts.oneShot = count.requests;
    count.reset();
    const { deps: holder } = countedCaller();
    const startedAt = new Date().toISOString();
    const holding = await holder.ledger.begin(
      {
        jobId,
        runId: 'holder',
        trigger: 'manual',
        scheduledTime: startedAt,
        startedAt,
        leaseUntil: Date.now() + 60_000,
      },
      { jobKey: `http-job:${jobId}`, runId: 'holder', startedAt },
    );
    expect(holding.taken).toBe(true);
    const skipped = await callJob(deps, { job_id: jobId, trigger: 'manual' });
    counts.skipped = count.requests;

    expect(skipped?.status).toBe('skipped');
    expect(counts).toEqual({ missed: 3, oneShot: 3, skipped: 3 });
    expect((await fixture.request('GET', `/jobs/${oneShot}`)).json.status).toBe('completed');
  });

  it('records nothing when the closing transaction fails, then records the lost run exactly once', async () => {
    const jobId = await createJob();
    const broken = countedCaller('no-such-status-table').deps;
    const hitsBefore = hits;

    await expect(callJob(broken, { job_id: jobId, trigger: 'manual', run_id: 'lost-run' })).rejects.toThrow();

    expect(hits).toBe(hitsBefore + 1);
    expect(await runsOf(jobId)).toEqual([]);
    // Only the start, written with the lease: the run shows running until the next run records it lost.
    const started = await fixture.statusStore.getLatest(`http-job:${jobId}`);
    expect(started).toMatchObject({ inFlight: { runId: 'lost-run' } });
    expect(started?.lastRunId).toBeUndefined();
    expect(await lease(jobId)).toMatchObject({ runId: 'lost-run', trigger: 'manual' });

    const { deps } = countedCaller();
    const later = { ...deps, now: () => new Date(Date.now() + 16 * 60_000) };
    const next = await callJob(later, { job_id: jobId, trigger: 'manual', run_id: 'next-run' });
    await callJob(later, { job_id: jobId, trigger: 'manual', run_id: 'third-run' });

    expect(next?.status).toBe('success');
    const runs = await runsOf(jobId);
    expect(runs.map((run: { run_id: string }) => run.run_id).sort()).toEqual(['lost-run', 'next-run', 'third-run']);
    expect(runs.find((run: { run_id: string }) => run.run_id === 'lost-run')).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/caller stopped before recording this run/),
    });
    const history = (await fixture.statusStore.listRuns(`http-job:${jobId}`)).runs.map((run) => run.runId);
    expect(history.sort()).toEqual(['lost-run', 'next-run', 'third-run']);
    const latest = await fixture.statusStore.getLatest(`http-job:${jobId}`);
    expect(latest).toMatchObject({ lastRunId: 'third-run' });
    expect(latest?.inFlight).toBeUndefined();
  });

  it('keeps a newer latest status and still records the run in both histories', async () => {
    const jobId = await createJob();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await fixture.statusStore.recordRun({
      jobKey: `http-job:${jobId}`,
      title: 'newer',
      status: 'error',
      finishedAt: future,
      source: 'runner',
      runId: 'newer-run',
    });
    const { deps, count } = countedCaller();

    const run = await callJob(deps, { job_id: jobId, trigger: 'manual' });

    expect(run?.status).toBe('success');
    // The lease and start; the end, sent again without the status update; then the start closed on its own.
    expect(count.byOperation).toMatchObject({ TransactWriteItemsCommand: 3, UpdateItemCommand: 1 });
    const latest = await fixture.statusStore.getLatest(`http-job:${jobId}`);
    expect(latest).toMatchObject({ lastRunId: 'newer-run' });
    expect(latest?.inFlight).toBeUndefined();
    const history = (await fixture.statusStore.listRuns(`http-job:${jobId}`)).runs.map((entry) => entry.runId);
    expect(history).toContain(run?.runId);
    expect(await runsOf(jobId)).toEqual([expect.objectContaining({ run_id: run?.runId })]);
    expect(await lease(jobId)).toBeUndefined();
  });

  it('gives the lease back as it was when the job cannot be read, so neither run is lost nor blocks the next', async () => {
    const jobId = await createJob();
    const crashedAt = Date.now();
    const lostLease = {
      jobId,
      runId: 'crashed-run',
      trigger: 'schedule' as const,
      scheduledTime: new Date(crashedAt).toISOString(),
      startedAt: new Date(crashedAt).toISOString(),
      leaseUntil: crashedAt + 870_000,
    };
    await fixture.db.send(
      new PutCommand({ TableName: fixture.tableName, Item: { pk: `JOB#${jobId}`, sk: 'LEASE', ...lostLease } }),
    );
    const { deps: callerNow, store } = countedCaller();
    const deps = { ...callerNow, now: () => new Date(Date.now() + 16 * 60_000) };
    const read = jest.spyOn(store, 'getJob').mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'));

    await expect(callJob(deps, { job_id: jobId, trigger: 'manual', run_id: 'unread' })).rejects.toThrow(
      'ProvisionedThroughputExceeded',
    );
    read.mockRestore();

    expect(await lease(jobId)).toMatchObject({ runId: 'crashed-run', leaseUntil: lostLease.leaseUntil });
    const next = await callJob(deps, { job_id: jobId, trigger: 'manual', run_id: 'after' });
    expect(next?.status).toBe('success');
    const runs = (await runsOf(jobId)).map((run: { run_id: string; status: string }) => [run.run_id, run.status]);
    expect(runs.sort()).toEqual([
      ['after', 'success'],
      ['crashed-run', 'error'],
    ]);
  });

  it("does not take an expired lease of a deleted job of the same id for the new job's run", async () => {
    const jobId = await createJob();
    const before = Date.parse((await fixture.request('GET', `/jobs/${jobId}`)).json.created_at) - 3_600_000;
    await fixture.db.send(
      new PutCommand({
        TableName: fixture.tableName,
        Item: {
          pk: `JOB#${jobId}`,
          sk: 'LEASE',
          jobId,
          runId: 'old-job-run',
          trigger: 'schedule',
          scheduledTime: new Date(before).toISOString(),
          startedAt: new Date(before).toISOString(),
          leaseUntil: before + 870_000,
        },
      }),
    );

    const run = await callJob(countedCaller().deps, { job_id: jobId, trigger: 'manual' });

    expect(run?.status).toBe('success');
    expect((await runsOf(jobId)).map((entry: { run_id: string }) => entry.run_id)).toEqual([run?.runId]);
    const history = (await fixture.statusStore.listRuns(`http-job:${jobId}`)).runs.map((entry) => entry.runId);
    expect(history).toEqual([run?.runId]);
  });
});
