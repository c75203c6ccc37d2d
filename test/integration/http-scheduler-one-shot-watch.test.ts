import { type CallerDeps, callJob } from '../../lambdas/http-scheduler/call-job';
import { watchExpectations } from '../../lambdas/job-watchdog/watch-expectations';
import { type HeldTarget, startHeldTarget } from '../support/held-target';
import { type Json, type SchedulerFixture, startSchedulerFixture } from './http-scheduler-fixture';
import { monitorJobs } from './http-scheduler-monitor-read';

/**
 * A one-shot (`date`) HTTP job is watched like a cron or interval one: the watchdog marks it late once
 * run_at + its grace passed with no run recorded, marks its run hung past max runtime, and once its
 * one run is recorded it is never late again. One clock drives the API, the caller and the store.
 */
describe('a one-shot HTTP job watched by the job monitor', () => {
  let fixture: SchedulerFixture;
  let target: HeldTarget;
  let caller: CallerDeps;
  const T0 = Date.parse('2030-03-01T00:00:00Z');
  /** 09:30 JST, half an hour after the fixture's clock starts. */
  const RUN_AT = '2030-03-01T09:30:00+09:00';
  const runAt = Date.parse(RUN_AT);
  const at = (minutesAfterRunAt: number) => new Date(runAt + minutesAfterRunAt * 60_000);

  beforeAll(async () => {
    fixture = await startSchedulerFixture({ now: new Date(T0) });
    caller = { ...fixture.callerDeps, now: () => new Date(fixture.clock.now) };
    target = await startHeldTarget();
  });
  afterAll(async () => {
    await target.close();
    await fixture.close();
  });
  beforeEach(() => {
    fixture.clock.now = new Date(T0);
    target.answerAtOnce();
  });

  /** timeout 30 s, no retries, misfire grace 60 s: grace ⌈90/60⌉ + 5 = 7 minutes, max runtime ⌈30/60⌉ + 1 = 2. */
  async function createDateJob(jobId: string): Promise<void> {
    const created = await fixture.request('POST', '/jobs', {
      job_id: jobId,
      name: `Once ${jobId}`,
      schedule_type: 'date',
      run_at: RUN_AT,
      target_url: target.url,
      timeout_sec: 30,
      max_retries: 0,
    });
    expect(created.status).toBe(201);
  }

  /** One watchdog run at `now`, reduced to what it says of this job. */
  async function watch(jobId: string, now: Date) {
    const jobKey = `http-job:${jobId}`;
    const result = await watchExpectations({ store: fixture.statusStore, builtIn: [], now });
    return {
      late: result.late.filter((job) => job.jobKey === jobKey),
      newlyLate: result.newlyLate.filter((key) => key === jobKey),
      hung: result.hung.filter((job) => job.jobKey === jobKey).map((job) => job.since),
      newlyHung: result.newlyHung.filter((key) => key === jobKey),
      problems: result.problems.filter((problem) => problem.startsWith(jobKey)),
    };
  }

  /** The job as the job monitor's list shows it at the fixture's clock. */
  async function listed(jobId: string): Promise<Json> {
    return (await monitorJobs(fixture, () => new Date(fixture.clock.now))).get(`http-job:${jobId}`);
  }

  /** The scheduled run EventBridge fires for run_at, started at `startedAt`; its target answers at once unless held. */
  async function scheduledRun(jobId: string, startedAt: Date) {
    fixture.clock.now = startedAt;
    return callJob(caller, { job_id: jobId, scheduled_time: new Date(runAt).toISOString(), trigger: 'schedule' });
  }

  it('stores an expectation of its one run at run_at, with the grace and max runtime of any HTTP job', async () => {
    await createDateJob('once');

    expect(await fixture.statusStore.expectations.get('http-job:once')).toMatchObject({
      runOnceAt: new Date(runAt).toISOString(),
      crons: [],
      timezone: 'Asia/Tokyo',
      graceMinutes: 7,
      maxRuntimeMinutes: 2,
      title: 'Once once',
      source: 'api',
    });
    expect(await listed('once')).toMatchObject({
      health: 'not_yet_run',
      next_expected_run: new Date(runAt).toISOString(),
      expectation: { crons: [], every_minutes: null, run_once_at: new Date(runAt).toISOString() },
    });
  });

  it('is late from run_at + grace when its run never came, until the run is recorded; then never again', async () => {
    await createDateJob('lost');

    expect(await watch('lost', at(6.9))).toMatchObject({ late: [], newlyLate: [], problems: [] });
    const due = await watch('lost', at(7));
    expect(due.late).toEqual([{ jobKey: 'http-job:lost', since: at(7).toISOString(), neverReported: true }]);
    expect(due.newlyLate).toEqual(['http-job:lost']);
    fixture.clock.now = at(7);
    expect(await listed('lost')).toMatchObject({ late: true, late_since: at(7).toISOString(), health: 'late' });

    // EventBridge delivers it at last, beyond misfire_grace_sec: recorded missed, the job completed.
    const run = await scheduledRun('lost', at(9));
    expect(run?.status).toBe('missed');
    expect((await fixture.store.getJob('lost'))?.state).toBe('completed');

    for (const minutes of [10, 60 * 24, 60 * 24 * 365]) {
      expect(await watch('lost', at(minutes))).toMatchObject({ late: [], newlyLate: [], problems: [] });
    }
    fixture.clock.now = at(10);
    expect(await listed('lost')).toMatchObject({ late: false, late_since: null, next_expected_run: null });
  });

  it('is never late after its run succeeded on time', async () => {
    await createDateJob('on-time');

    expect((await scheduledRun('on-time', at(0.2)))?.status).toBe('success');

    for (const minutes of [7, 60, 60 * 24 * 30]) {
      expect(await watch('on-time', at(minutes))).toMatchObject({ late: [], hung: [] });
    }
  });

  it('marks its run hung once it outlives max runtime, and clears it when the run is recorded', async () => {
    await createDateJob('stuck');
    const answer = target.hold();
    const before = target.requests;
    const running = scheduledRun('stuck', at(0));
    await target.reached(before);

    expect(await watch('stuck', at(1.9))).toMatchObject({ hung: [], newlyHung: [] });
    expect(await watch('stuck', at(2))).toMatchObject({ hung: [at(2).toISOString()], newlyHung: ['http-job:stuck'] });

    fixture.clock.now = at(3);
    answer();
    expect((await running)?.status).toBe('success');
    expect(await watch('stuck', at(8))).toMatchObject({ late: [], hung: [] });
  });

  it('loses its expectation on pause and gets it back on resume while run_at is ahead; none once it has passed', async () => {
    await createDateJob('paused');

    expect((await fixture.request('POST', '/jobs/paused/pause')).status).toBe(200);
    expect(await fixture.statusStore.expectations.get('http-job:paused')).toBeUndefined();
    expect((await fixture.request('POST', '/jobs/paused/resume')).status).toBe(200);
    expect(await fixture.statusStore.expectations.get('http-job:paused')).toMatchObject({
      runOnceAt: new Date(runAt).toISOString(),
    });

    // Paused across run_at: resumed, the schedule's time is past and nothing will run it (next_run_time null).
    expect((await fixture.request('POST', '/jobs/paused/pause')).status).toBe(200);
    fixture.clock.now = at(1);
    expect((await fixture.request('POST', '/jobs/paused/resume')).status).toBe(200);
    expect((await fixture.request('GET', '/jobs/paused')).json.next_run_time).toBeNull();
    expect(await fixture.statusStore.expectations.get('http-job:paused')).toBeUndefined();
    expect(await watch('paused', at(60))).toMatchObject({ late: [] });
  });

  it('loses its expectation with the job', async () => {
    await createDateJob('deleted');

    expect((await fixture.request('DELETE', '/jobs/deleted')).status).toBe(200);

    expect(await fixture.statusStore.expectations.get('http-job:deleted')).toBeUndefined();
  });
});
