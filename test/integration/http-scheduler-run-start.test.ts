import { callJob } from '../../lambdas/http-scheduler/call-job';
import { watchHungRuns } from '../../lambdas/job-watchdog/watch-hung-runs';
import { type HeldTarget, startHeldTarget } from '../support/held-target';
import { createTenMinuteJob, type Json, type SchedulerFixture, startSchedulerFixture } from './http-scheduler-fixture';
import { monitorGet as monitorGetOver } from './http-scheduler-monitor-read';

/**
 * An HTTP job's run shows in the job monitor from its start, as a built-in job's does: running in its
 * runs and in the job list while the target answers, then finished with its start and duration. The
 * start is written with the lease, only while the job's row is there.
 */
describe("an HTTP job's run in the job monitor while it runs", () => {
  let fixture: SchedulerFixture;
  /** Its calls can be held, so a test can look while a run is in flight. */
  let target: HeldTarget;

  beforeAll(async () => {
    fixture = await startSchedulerFixture();
    target = await startHeldTarget();
  });
  afterAll(async () => {
    await target.close();
    await fixture.close();
  });

  beforeEach(() => target.answerAtOnce());

  const createJob = (jobId: string) => createTenMinuteJob(fixture, jobId, target.url);
  const monitorGet = (path: string): Promise<Json> => monitorGetOver(fixture, path);
  const listed = async (jobKey: string) =>
    ((await monitorGet('/api/monitor/jobs')).jobs as Json[]).find((job) => job.job_key === jobKey);

  /** Starts a run whose target answers only when `answer` is called; resolves once the target was reached. */
  async function runHeldAtTarget(jobId: string, event: { scheduled_time?: string; trigger?: 'manual' } = {}) {
    const answer = target.hold();
    const before = target.requests;
    const running = callJob(fixture.callerDeps, { job_id: jobId, scheduled_time: new Date().toISOString(), ...event });
    await target.reached(before);
    return { answer, running };
  }

  it('shows the run running in its runs and the job list while the target answers, then its start and duration', async () => {
    await createJob('slow');
    const jobKey = 'http-job:slow';
    const delayMs = 300;
    const { answer, running } = await runHeldAtTarget('slow');

    const runsWhileRunning = (await monitorGet(`/api/monitor/jobs/${jobKey}/runs`)).runs as Json[];
    const whileRunning = await listed(jobKey);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    answer();
    const finished = await running;

    expect(runsWhileRunning).toEqual([
      expect.objectContaining({ run_id: finished?.runId, status: 'running', started_at: finished?.startedAt }),
    ]);
    expect(whileRunning).toMatchObject({ health: 'running', running: { run_id: finished?.runId } });
    const runs = (await monitorGet(`/api/monitor/jobs/${jobKey}/runs`)).runs as Json[];
    expect(runs).toEqual([
      expect.objectContaining({ run_id: finished?.runId, status: 'success', started_at: finished?.startedAt }),
    ]);
    expect(runs[0].duration_ms).toBeGreaterThanOrEqual(delayMs);
    expect(await listed(jobKey)).toMatchObject({ health: 'success', running: null });
  });

  it('leaves no monitor entry when the job was deleted after the caller read it: the start checks the row', async () => {
    await createJob('stale-read');
    const job = await fixture.store.getJob('stale-read');
    expect(await fixture.store.deleteJob('stale-read', String(job?.generation))).toBe(true);
    const read = jest.spyOn(fixture.store, 'getJob').mockResolvedValueOnce(job);
    const before = target.requests;

    const run = await callJob(fixture.callerDeps, { job_id: 'stale-read', trigger: 'manual' });
    read.mockRestore();

    expect(run).toBeUndefined();
    expect(target.requests).toBe(before);
    expect(await fixture.statusStore.getLatest('http-job:stale-read')).toBeUndefined();
  });

  it('closes the start of a run kept in the history only (an older slot than the status’s)', async () => {
    await createJob('backfilled');
    const jobKey = 'http-job:backfilled';
    const newer = await callJob(fixture.callerDeps, { job_id: 'backfilled', trigger: 'manual' });
    const olderSlot = new Date(Date.parse(String(newer?.scheduledTime)) - 600_000).toISOString();
    // A manual run for an older slot (as a backfill is): the misfire grace does not apply to it.
    const { answer, running } = await runHeldAtTarget('backfilled', { scheduled_time: olderSlot, trigger: 'manual' });
    expect((await fixture.statusStore.getLatest(jobKey))?.inFlight).toBeDefined();

    answer();
    const older = await running;

    expect(older?.status).toBe('success');
    expect((await fixture.statusStore.listRuns(jobKey)).runs.map((entry) => entry.runId)).toContain(older?.runId);
    const latest = await fixture.statusStore.getLatest(jobKey);
    expect(latest).toMatchObject({ lastRunId: newer?.runId });
    expect(latest?.inFlight).toBeUndefined();
    expect((await listed(jobKey)).running).toBeNull();
  });

  it('is marked hung by the watchdog once the run outlives every attempt and wait of its job, by a minute', async () => {
    // timeout_sec 30, no retries: the worst case is 30 s, so 2 minutes after its start the run has lost its caller.
    const created = await fixture.request('POST', '/jobs', {
      job_id: 'stuck',
      schedule_type: 'interval',
      interval: { minutes: 10 },
      target_url: target.url,
      timeout_sec: 30,
      max_retries: 0,
    });
    expect(created.status).toBe(201);
    const expectation = await fixture.statusStore.expectations.get('http-job:stuck');
    expect(expectation?.maxRuntimeMinutes).toBe(2);
    // Its very first run: the status index holds a job's row from its first start, before any run finished.
    const { answer, running } = await runHeldAtTarget('stuck');
    const watch = async (minutesLater: number) =>
      watchHungRuns(
        fixture.statusStore,
        (await fixture.statusStore.listLatestSummaries()).filter((summary) => summary.jobKey === 'http-job:stuck'),
        expectation ? [expectation] : [],
        new Date(Date.now() + minutesLater * 60_000),
      );

    const early = await watch(1);
    const late = await watch(3);
    answer();
    await running;

    expect(early.hung).toEqual([]);
    expect(late.newlyHung).toEqual(['http-job:stuck']);
    expect((await fixture.statusStore.getLatest('http-job:stuck'))?.inFlight).toBeUndefined();
  });
});
