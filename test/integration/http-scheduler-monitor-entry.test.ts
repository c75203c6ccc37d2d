import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { callJob } from '../../lambdas/http-scheduler/call-job';
import { nextCronRun } from '../../lambdas/shared/eventbridge-fire-times';
import { JobMuteStore } from '../../lambdas/shared/job-mutes';
import { createTenMinuteJob, type SchedulerFixture, startSchedulerFixture } from './http-scheduler-fixture';
import { monitorJobs } from './http-scheduler-monitor-read';

/**
 * An HTTP job's entry in the job monitor follows the job: deleting the job removes it (status,
 * history, expectation, mute), a run in flight at the delete does not bring it back, and a muted
 * job's failed runs are recorded without counting toward the JobReportedError alarm.
 */
describe("an HTTP job's job monitor entry", () => {
  let fixture: SchedulerFixture;
  let target: http.Server;
  let targetUrl: string;
  let requests = 0;
  /** Each call waits for this before answering, so a test can act while a run is in flight. */
  let answerWhen: Promise<void> = Promise.resolve();
  let status = 500;

  beforeAll(async () => {
    target = http.createServer((request, response) => {
      requests += 1;
      request.resume();
      void answerWhen.then(() => response.writeHead(status).end('{}'));
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  });
  beforeEach(async () => {
    fixture = await startSchedulerFixture();
    answerWhen = Promise.resolve();
    status = 500;
    requests = 0;
  });
  afterEach(() => fixture.close());

  const createJob = (jobId: string) => createTenMinuteJob(fixture, jobId, targetUrl);

  const run = (jobId: string) =>
    callJob(fixture.callerDeps, { job_id: jobId, scheduled_time: new Date().toISOString() });
  const mutes = () => new JobMuteStore(fixture.db, fixture.statusStore.tableName);

  /** What the job monitor holds of the job: latest status, history rows, expectation, mute. */
  async function monitorEntry(jobId: string) {
    const jobKey = `http-job:${jobId}`;
    return {
      latest: await fixture.statusStore.getLatest(jobKey),
      runs: (await fixture.statusStore.listRuns(jobKey)).runs.length,
      expectation: await fixture.statusStore.expectations.get(jobKey),
      mute: await mutes().get(jobKey),
    };
  }
  const gone = { latest: undefined, runs: 0, expectation: undefined, mute: undefined };

  /** The job monitor's list, read through its API over the scheduler's job-status table. */
  const monitorList = () => monitorJobs(fixture);

  it('is on the job monitor’s list from its creation, not yet run, with the next run of its schedule', async () => {
    const cron = { schedule_type: 'cron', cron: { hour: '3', minute: '30' }, timezone: 'Asia/Tokyo' };
    const created = await fixture.request('POST', '/jobs', { job_id: 'nightly', target_url: targetUrl, ...cron });
    expect(created.status).toBe(201);

    const listed = (await monitorList()).get('http-job:nightly');

    expect(listed).toMatchObject({ status: null, health: 'not_yet_run' });
    expect(listed?.next_expected_run).toBe(nextCronRun('30 3 * * *', 'Asia/Tokyo', new Date())?.toISOString());
  });

  it('keeps the monitor’s next run in step when the job is replaced with another schedule', async () => {
    await createJob('replaced');
    const cron = { schedule_type: 'cron', cron: { hour: '6', minute: '0' }, timezone: 'Asia/Tokyo' };

    await fixture.request('POST', '/jobs', {
      job_id: 'replaced',
      target_url: targetUrl,
      replace_existing: true,
      ...cron,
    });

    const listed = (await monitorList()).get('http-job:replaced');
    expect(listed?.next_expected_run).toBe(nextCronRun('0 6 * * *', 'Asia/Tokyo', new Date())?.toISOString());
  });

  it('removes the status, history, expectation and mute when the job is deleted', async () => {
    await createJob('nightly-sync');
    await run('nightly-sync');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await mutes().put({ jobKey: 'http-job:nightly-sync', until, reason: 'x', mutedAt: new Date().toISOString() });
    expect(await monitorEntry('nightly-sync')).toMatchObject({ runs: 1, latest: { lastStatus: 'error' } });

    expect((await fixture.request('DELETE', '/jobs/nightly-sync')).status).toBe(200);

    expect(await monitorEntry('nightly-sync')).toEqual(gone);
  });

  it('does not bring a deleted job back to the monitor when a run in flight at the delete finishes', async () => {
    await createJob('in-flight');
    let answer = () => {};
    answerWhen = new Promise((resolve) => {
      answer = resolve;
    });
    const running = run('in-flight');
    while (requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    expect((await fixture.request('DELETE', '/jobs/in-flight')).status).toBe(200);
    answer();
    const finished = await running;

    expect(finished).toMatchObject({ status: 'error' });
    expect(await monitorEntry('in-flight')).toEqual(gone);
    expect(fixture.reportedErrors).toEqual([]);
  });

  it('does not give a job created anew under a deleted id the monitor entry of the old job’s run in flight', async () => {
    await createJob('reborn');
    let answer = () => {};
    answerWhen = new Promise((resolve) => {
      answer = resolve;
    });
    const running = run('reborn');
    while (requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await fixture.request('DELETE', '/jobs/reborn');
    fixture.clock.now = new Date(Date.now() + 1000);
    await createJob('reborn');

    answer();
    await running;

    expect(await monitorEntry('reborn')).toMatchObject({ latest: undefined, runs: 0 });
  });

  it('records a muted job’s failed run without counting it, and counts it again after the mute', async () => {
    await createJob('muted');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await mutes().put({ jobKey: 'http-job:muted', until, reason: '既知', mutedAt: new Date().toISOString() });

    await run('muted');
    expect(fixture.reportedErrors).toEqual([]);
    expect((await monitorEntry('muted')).latest).toMatchObject({ lastStatus: 'error' });

    await mutes().delete('http-job:muted');
    await run('muted');
    expect(fixture.reportedErrors).toEqual(['http-job:muted']);
  });
});
