import type { HungJob } from '../../lambdas/job-watchdog/watch-hung-runs';
import { createWatchdogJob } from '../../lambdas/job-watchdog/watchdog-job';
import { type JobOutcome, runJob } from '../../lambdas/shared/job-runner';
import { createLogger } from '../../lambdas/shared/logger';
import { builtInExpectations } from '../../lib/expectations';
import type { JobSpec } from '../../lib/job-spec';
import { TEST_JOBS } from '../support/test-registry';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** A run started and not finished within its job's max runtime is hung: the watchdog marks and reports it. */
describe('hung runs', () => {
  const NOW = new Date('2025-08-11T03:00:00Z');
  const minutesBefore = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
  let api: MonitorFixture;
  let published: HungJob[][];

  beforeEach(async () => {
    api = await startMonitorFixture({ now: NOW });
    published = [];
  });
  afterEach(async () => {
    await api.close();
  });

  const post = (path: string, body: unknown, method = 'POST') =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-tc-portal-webhook-secret': api.writeSecret },
      body: JSON.stringify(body),
    });

  function runWatchdog(registry: readonly JobSpec[] = []): Promise<JobOutcome> {
    const job = createWatchdogJob(() => ({
      store: api.store,
      mutes: api.mutes,
      builtInExpectations: JSON.stringify(builtInExpectations(registry)),
      publishLate: () => undefined,
      publishHung: (hung) => published.push([...hung]),
    }));
    const logger = createLogger('test-watchdog');
    logger.setLogLevel('SILENT');
    return runJob(job, {}, { store: null, now: () => new Date(api.clock.now), logger, publishMetrics: false });
  }

  async function jobView(jobKey: string) {
    const body = (await (await api.read('/api/monitor/jobs')).json()) as { jobs: Array<Record<string, unknown>> };
    return body.jobs.find((job) => job.job_key === jobKey);
  }

  async function backupStartedMinutesAgo(minutes: number) {
    const expectation = await post(
      '/api/monitor/jobs/backup/expectation',
      { every_minutes: 1440, max_runtime_minutes: 30 },
      'PUT',
    );
    expect(expectation.status).toBe(200);
    await api.report(validReport(api, { job_key: 'backup', finished_at: minutesBefore(120) }));
    const started = await post('/api/monitor/job-start', { job_key: 'backup', started_at: minutesBefore(minutes) });
    return ((await started.json()) as { run_id: string }).run_id;
  }

  it('marks a run hung once it outlives max_runtime_minutes, and reports it on every watchdog run', async () => {
    const runId = await backupStartedMinutesAgo(45);

    const first = await runWatchdog();
    await runWatchdog();

    const since = minutesBefore(15);
    expect(first.details).toMatchObject({ newlyHung: ['backup'], hung: [{ jobKey: 'backup', runId, since }] });
    expect(published.map((hung) => hung.map((job) => job.jobKey))).toEqual([['backup'], ['backup']]);
    expect(await jobView('backup')).toMatchObject({
      health: 'hung',
      hung: true,
      hung_since: since,
      max_runtime_minutes: 30,
      expectation: expect.objectContaining({ max_runtime_minutes: 30 }),
    });
    const runs = (await (await api.read('/api/monitor/jobs/backup/runs')).json()) as {
      runs: Array<Record<string, unknown>>;
    };
    expect(runs.runs[0]).toMatchObject({ run_id: runId, outcome: 'hung', status: 'running' });
  });

  it("marks a job's very first run hung: started, never finished, nothing reported before", async () => {
    await post('/api/monitor/jobs/backup/expectation', { every_minutes: 1440, max_runtime_minutes: 30 }, 'PUT');
    const started = await post('/api/monitor/job-start', { job_key: 'backup', started_at: minutesBefore(45) });
    const { run_id: runId } = (await started.json()) as { run_id: string };

    const outcome = await runWatchdog();

    const since = minutesBefore(15);
    expect(outcome.details).toMatchObject({ newlyHung: ['backup'], hung: [{ jobKey: 'backup', runId, since }] });
    expect(published).toEqual([[expect.objectContaining({ jobKey: 'backup', runId })]]);
    expect(await jobView('backup')).toMatchObject({
      status: null,
      finished_at: null,
      health: 'hung',
      hung: true,
      hung_since: since,
      running: { run_id: runId, started_at: minutesBefore(45), slot: null },
    });
  });

  it('marks the first run of a job without an expectation never hung: it has no max runtime', async () => {
    await post('/api/monitor/job-start', { job_key: 'adhoc', started_at: minutesBefore(600) });

    const outcome = await runWatchdog();

    expect(outcome.details).toMatchObject({ hung: [], newlyHung: [] });
    expect(await jobView('adhoc')).toMatchObject({ status: null, health: 'running', hung: false });
  });

  it('marks a muted job’s run hung on the page but leaves it out of JobHung until the mute ends', async () => {
    await backupStartedMinutesAgo(45);
    const muted = await post('/api/monitor/jobs/backup/mute', { until: 'PT1H', reason: '移行作業中' });
    expect(muted.status).toBe(200);

    await runWatchdog();
    api.clock.now = new Date(api.clock.now.getTime() + 61 * 60_000);
    await runWatchdog();

    expect(await jobView('backup')).toMatchObject({ hung: true });
    expect(published.map((hung) => hung.map((job) => job.jobKey))).toEqual([[], ['backup']]);
  });

  it('publishes a muted job’s hung run at once when it is unmuted', async () => {
    await backupStartedMinutesAgo(45);
    await post('/api/monitor/jobs/backup/mute', { until: 'PT1H', reason: '移行作業中' });
    await runWatchdog();

    const unmuted = await fetch(`${api.url}/api/monitor/jobs/backup/mute`, {
      method: 'DELETE',
      headers: { 'x-tc-portal-webhook-secret': api.writeSecret },
    });

    expect(unmuted.status).toBe(200);
    expect(api.lateMetrics.jobHung).toEqual(['backup']);
  });

  it('lists a hung job with the late ones, before jobs that are fine', async () => {
    await backupStartedMinutesAgo(45);
    await api.report(validReport(api, { job_key: 'fine', finished_at: minutesBefore(1) }));
    await runWatchdog();

    const body = (await (await api.read('/api/monitor/jobs')).json()) as { jobs: Array<{ job_key: string }> };

    expect(body.jobs.map((job) => job.job_key)).toEqual(['backup', 'fine']);
  });

  it('does not mark a run that is still within its max runtime', async () => {
    await backupStartedMinutesAgo(20);

    const outcome = await runWatchdog();

    expect(outcome.details).toMatchObject({ hung: [], newlyHung: [] });
    expect(await jobView('backup')).toMatchObject({ health: 'running', hung: false });
  });

  it("clears the hung mark with the run's report", async () => {
    await backupStartedMinutesAgo(45);
    await runWatchdog();

    await api.report(validReport(api, { job_key: 'backup', finished_at: NOW.toISOString() }));

    expect(await jobView('backup')).toMatchObject({ health: 'success', hung: false, running: null });
    expect((await runWatchdog()).details).toMatchObject({ hung: [] });
  });

  it("keeps a job's newest 12 runs on its status row, whatever the number of runs", async () => {
    for (let minutes = 20; minutes >= 1; minutes -= 1) {
      await api.report(validReport(api, { job_key: 'busy', finished_at: minutesBefore(minutes) }));
    }

    const ticks = (await api.store.getLatest('busy'))?.recentRuns ?? [];

    expect(ticks.map((tick) => tick.f)).toEqual(Array.from({ length: 12 }, (_, index) => minutesBefore(index + 1)));
    expect((await jobView('busy'))?.recent_runs).toHaveLength(12);
  });

  it('takes a built-in job max runtime from its registry timeout', async () => {
    const [sample] = TEST_JOBS; // timeoutSeconds 120
    await runWatchdog([sample]);

    expect(await api.store.expectations.get('sample-job')).toMatchObject({ maxRuntimeMinutes: 2 });
  });

  it('refuses a max_runtime_minutes that is not a whole number of minutes from 1 to 10080', async () => {
    const response = await post(
      '/api/monitor/jobs/backup/expectation',
      { every_minutes: 60, max_runtime_minutes: 0 },
      'PUT',
    );

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'max_runtime_minutes must be an integer from 1 to 10080' });
    expect(await api.store.expectations.get('backup')).toBeUndefined();
  });
});
