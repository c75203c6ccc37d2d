import type { LateJob } from '../../lambdas/job-watchdog/watch-expectations';
import { createWatchdogJob } from '../../lambdas/job-watchdog/watchdog-job';
import { type JobOutcome, runJob } from '../../lambdas/shared/job-runner';
import { createLogger } from '../../lambdas/shared/logger';
import { builtInExpectations } from '../../lib/expectations';
import type { JobSpec } from '../../lib/job-spec';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** Expectations (PUT and registry) and the watchdog that marks jobs late, against dynalite. */
describe('job watchdog', () => {
  const start = new Date('2025-08-11T00:00:00Z'); // 09:00 JST
  let api: MonitorFixture;
  let published: LateJob[][];
  beforeEach(async () => {
    api = await startMonitorFixture({ now: start });
    published = [];
  });
  afterEach(async () => {
    await api.close();
  });

  const minutesAfterStart = (minutes: number) => {
    api.clock.now = new Date(start.getTime() + minutes * 60_000);
  };

  /** One watchdog run through the shared runner, as the schedule runs it. */
  function runWatchdog(registry: readonly JobSpec[] = []): Promise<JobOutcome> {
    const job = createWatchdogJob(() => ({
      store: api.store,
      mutes: api.mutes,
      builtInExpectations: JSON.stringify(builtInExpectations(registry)),
      publishLate: (late) => published.push([...late]),
    }));
    const logger = createLogger('test-watchdog');
    logger.setLogLevel('SILENT');
    return runJob(job, {}, { store: api.store, now: () => new Date(api.clock.now), logger, publishMetrics: false });
  }

  async function expectEvery(jobKey: string, everyMinutes: number, graceMinutes: number) {
    const response = await fetch(`${api.url}/api/monitor/jobs/${jobKey}/expectation`, {
      method: 'PUT',
      headers: { 'x-tc-portal-webhook-secret': api.writeSecret, 'content-type': 'application/json' },
      body: JSON.stringify({ every_minutes: everyMinutes, grace_minutes: graceMinutes }),
    });
    expect(response.status).toBe(200);
  }

  const reportNow = () => api.report(validReport(api, { finished_at: api.clock.now.toISOString() }));

  it('marks a job late once its expected report plus grace has passed', async () => {
    await expectEvery('minpaku-in-report', 60, 10);
    await reportNow();

    minutesAfterStart(71);
    const outcome = await runWatchdog();

    expect(outcome.status).toBe('success');
    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({
      late: true,
      lateSince: '2025-08-11T01:10:00.000Z',
    });
  });

  it('does not mark a job late while it is within its grace period', async () => {
    await expectEvery('minpaku-in-report', 60, 10);
    await reportNow();

    minutesAfterStart(69);
    await runWatchdog();

    expect((await api.store.getLatest('minpaku-in-report'))?.late).toBe(false);
  });

  it('keeps the first lateSince across watchdog runs', async () => {
    await expectEvery('minpaku-in-report', 60, 10);
    await reportNow();
    minutesAfterStart(75);
    await runWatchdog();

    minutesAfterStart(200);
    await runWatchdog();

    expect((await api.store.getLatest('minpaku-in-report'))?.lateSince).toBe('2025-08-11T01:10:00.000Z');
  });

  it('publishes every late job on every run, not only when it becomes late', async () => {
    await expectEvery('minpaku-in-report', 60, 10);
    await reportNow();
    minutesAfterStart(75);
    await runWatchdog();
    minutesAfterStart(80);
    await runWatchdog();

    expect(published.map((late) => late.map((job) => job.jobKey))).toEqual([
      ['minpaku-in-report'],
      ['minpaku-in-report'],
    ]);
  });

  it('marks a muted job late on the page but leaves it out of the late metrics until the mute ends', async () => {
    await expectEvery('minpaku-in-report', 60, 10);
    await reportNow();
    await api.mutes.put({
      jobKey: 'minpaku-in-report',
      until: '2025-08-11T01:30:00.000Z',
      reason: '移行作業中',
      mutedAt: start.toISOString(),
    });
    minutesAfterStart(75);
    const whileMuted = await runWatchdog();
    minutesAfterStart(95);
    await runWatchdog();

    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({ late: true });
    expect(whileMuted.message).toContain('1 late (minpaku-in-report muted)');
    expect(published.map((late) => late.map((job) => job.jobKey))).toEqual([[], ['minpaku-in-report']]);
  });

  it('clears late when the job reports again', async () => {
    await expectEvery('minpaku-in-report', 60, 10);
    await reportNow();
    minutesAfterStart(75);
    await runWatchdog();

    await reportNow();

    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({ late: false });
    expect((await api.store.getLatest('minpaku-in-report'))?.lateSince).toBeUndefined();
  });

  it('counts a job that never reported as late after its first expected run plus grace', async () => {
    await expectEvery('never-seen', 30, 5);

    minutesAfterStart(36);
    await runWatchdog();
    const body = (await (await api.read('/api/monitor/jobs')).json()) as { jobs: unknown[]; counts: unknown };

    // The watchdog's own run shows up too (a success), after the late job.
    expect(body.jobs[0]).toEqual(
      expect.objectContaining({
        job_key: 'never-seen',
        status: null,
        late: true,
        late_since: '2025-08-11T00:35:00.000Z',
      }),
    );
    expect(body.counts).toMatchObject({ late: 1, never_reported: 1 });
  });

  it('marks a job whose first run started and never finished late as one that never reported: a start is no check-in', async () => {
    await expectEvery('first-run', 30, 5);
    minutesAfterStart(10);
    const started = await api.write('POST', '/api/monitor/job-start', { job_key: 'first-run' });
    expect(started.status).toBe(200);

    minutesAfterStart(36);
    const outcome = await runWatchdog();
    const body = (await (await api.read('/api/monitor/jobs')).json()) as { jobs: unknown[]; counts: unknown };

    expect(outcome.details).toMatchObject({
      late: [{ jobKey: 'first-run', since: '2025-08-11T00:35:00.000Z', neverReported: true }],
      newlyLate: ['first-run'],
    });
    expect(published).toEqual([[expect.objectContaining({ jobKey: 'first-run' })]]);
    expect(body.jobs[0]).toEqual(
      expect.objectContaining({
        job_key: 'first-run',
        status: null,
        late: true,
        late_since: '2025-08-11T00:35:00.000Z',
        health: 'late',
        running: expect.objectContaining({ run_id: started.json.run_id }),
      }),
    );
    expect(body.counts).toMatchObject({ late: 1, never_reported: 1 });

    // Its first report clears it.
    await api.report(validReport(api, { job_key: 'first-run', finished_at: api.clock.now.toISOString() }));
    minutesAfterStart(40);
    await runWatchdog();
    expect(await api.store.getLatest('first-run')).toMatchObject({ late: false, lastStatus: 'success' });
  });

  it('clears a late mark once the expectation is deleted', async () => {
    await expectEvery('minpaku-in-report', 60, 10);
    await reportNow();
    minutesAfterStart(75);
    await runWatchdog();

    await fetch(`${api.url}/api/monitor/jobs/minpaku-in-report/expectation`, {
      method: 'DELETE',
      headers: { 'x-tc-portal-webhook-secret': api.writeSecret },
    });
    await runWatchdog();

    expect((await api.store.getLatest('minpaku-in-report'))?.late).toBe(false);
  });

  const registryJob: JobSpec = {
    id: 'ftp-export',
    title: 'PostgreSQL → CSV → FTPS',
    entry: 'lambdas/ftp-export/handler.ts',
    schedules: [{ name: 'quarter-hourly', cron: '*/15 * * * *' }],
    memoryMb: 256,
    timeoutSeconds: 120,
    inVpc: true,
    defaultPayload: {},
  };

  it('marks a registry job late from its schedule in Asia/Tokyo', async () => {
    await runWatchdog([registryJob]); // stores the registry expectation at 09:00 JST

    minutesAfterStart(22); // due 09:15 JST + grace 7 min (2 min timeout + 5)
    await runWatchdog([registryJob]);

    const expectation = await api.store.expectations.get('ftp-export');
    expect(expectation).toMatchObject({ source: 'registry', crons: ['*/15 * * * *'], graceMinutes: 7 });
    expect(expectation?.lateSince).toBe('2025-08-11T00:22:00.000Z');
  });

  it('keeps an expectation set through the API over the registry one', async () => {
    await expectEvery('ftp-export', 120, 30);

    await runWatchdog([registryJob]);

    expect(await api.store.expectations.get('ftp-export')).toMatchObject({ source: 'api', everyMinutes: 120 });
  });

  it('removes the registry expectation of a job that left the registry', async () => {
    await runWatchdog([registryJob]);

    await runWatchdog([]);

    expect(await api.store.expectations.get('ftp-export')).toBeUndefined();
  });

  /** As stored before PUT checked that a cron runs at all: 31 February never comes. */
  const storeNeverRunningExpectation = () =>
    api.store.expectations.put({
      jobKey: 'never-runs',
      crons: ['0 9 31 2 *'],
      timezone: 'Asia/Tokyo',
      graceMinutes: 10,
      source: 'api',
    });

  it('marks an expectation it cannot evaluate, shows it on the page and still watches every other job', async () => {
    await storeNeverRunningExpectation();
    await expectEvery('minpaku-in-report', 60, 10);
    await reportNow();

    minutesAfterStart(71);
    const outcome = await runWatchdog();

    expect(outcome.status).toBe('success');
    expect((await api.store.getLatest('minpaku-in-report'))?.late).toBe(true);
    expect((await api.store.expectations.get('never-runs'))?.problem).toMatch(/no future run/);
    const body = (await (await api.read('/api/monitor/jobs')).json()) as {
      jobs: Array<{ job_key: string; expectation: { problem: string | null } | null }>;
    };
    expect(body.jobs.find((job) => job.job_key === 'never-runs')?.expectation?.problem).toMatch(/no future run/);
    const page = await (await api.read('/incidents')).text();
    expect(page).toContain('予定エラー');
    expect(page).toContain('監視されていません');
  });

  it('clears the mark once the expectation is replaced by one it can evaluate', async () => {
    await storeNeverRunningExpectation();
    await runWatchdog();

    await expectEvery('never-runs', 60, 10);
    await runWatchdog();

    expect((await api.store.expectations.get('never-runs'))?.problem).toBeUndefined();
  });

  it('records its own run in the job-status store', async () => {
    await runWatchdog();

    expect(await api.store.getLatest('job-watchdog')).toMatchObject({ lastStatus: 'success' });
  });
});
