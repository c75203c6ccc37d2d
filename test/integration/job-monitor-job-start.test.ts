import { runJob } from '../../lambdas/shared/job-runner';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** `POST /api/monitor/job-start`: runs with a start, a duration and a visible running state. */
describe('POST /api/monitor/job-start', () => {
  let api: MonitorFixture;
  const NOW = new Date('2025-08-11T03:00:00Z');
  const minutesBefore = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

  beforeEach(async () => {
    api = await startMonitorFixture({ now: NOW });
  });
  afterEach(async () => {
    await api.close();
  });

  async function start(
    body: unknown,
    headers: Record<string, string> = { 'x-tc-portal-webhook-secret': api.writeSecret },
  ) {
    const response = await fetch(`${api.url}/api/monitor/job-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }
  async function job(jobKey: string) {
    const body = (await (await api.read('/api/monitor/jobs')).json()) as { jobs: Array<Record<string, unknown>> };
    return body.jobs.find((entry) => entry.job_key === jobKey);
  }
  async function runs(jobKey: string) {
    const response = await api.read(`/api/monitor/jobs/${encodeURIComponent(jobKey)}/runs`);
    return ((await response.json()) as { runs: Array<Record<string, unknown>> }).runs;
  }

  describe('the contract', () => {
    it.each([
      ['not JSON', 'not json', 'Invalid JSON body'],
      ['no job_key', { title: 'x' }, 'job_key is required'],
      ['a blank job_key', { job_key: ' ' }, 'job_key must not be blank'],
      ['a title that is not a string', { job_key: 'backup', title: 5 }, 'title must be a non-empty string'],
      ['a bad started_at', { job_key: 'backup', started_at: 'yesterday' }, 'started_at must be valid ISO 8601'],
      [
        'a started_at in the future',
        { job_key: 'backup', started_at: '2025-08-11T04:00:00Z' },
        'started_at must not be more than 5 minutes in the future (server time 2025-08-11T03:00:00.000Z)',
      ],
    ])('refuses %s with 400 naming the field, and writes nothing', async (_case, body, error) => {
      expect(await start(body)).toEqual({ status: 400, json: { error } });
      expect(await api.store.getLatest('backup')).toBeUndefined();
    });

    it('refuses a missing or wrong write secret with 401 and writes nothing', async () => {
      expect(await start({ job_key: 'backup' }, {})).toEqual({
        status: 401,
        json: { error: 'Invalid or missing webhook secret' },
      });
      expect((await start({ job_key: 'backup' }, { 'x-tc-portal-webhook-secret': 'wrong' })).status).toBe(401);
      expect(await api.store.getLatest('backup')).toBeUndefined();
    });

    it('refuses a body over 64 KiB with 413', async () => {
      const response = await start({ job_key: 'backup', padding: 'x'.repeat(70_000) });

      expect(response.status).toBe(413);
    });

    it('answers with the job_key and a run_id', async () => {
      expect(await start({ job_key: 'backup', title: '夜間バックアップ' })).toEqual({
        status: 200,
        json: { success: true, job_key: 'backup', run_id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      });
    });
  });

  it('shows the run running, then the next report closes it with its start and duration', async () => {
    await api.report(validReport(api, { job_key: 'backup', finished_at: minutesBefore(60) }));
    const { json } = await start({ job_key: 'backup', started_at: minutesBefore(5) });

    expect(await job('backup')).toMatchObject({
      health: 'running',
      running: { run_id: json.run_id, started_at: minutesBefore(5), slot: null },
    });
    expect((await runs('backup'))[0]).toMatchObject({
      run_id: json.run_id,
      status: 'running',
      outcome: 'running',
      finished_at: null,
      started_at: minutesBefore(5),
    });

    await api.report(validReport(api, { job_key: 'backup', finished_at: NOW.toISOString(), run_id: json.run_id }));

    const [closed] = await runs('backup');
    expect(closed).toMatchObject({ status: 'success', started_at: minutesBefore(5), duration_ms: 300_000 });
    expect(await job('backup')).toMatchObject({ health: 'success', running: null, last_duration_ms: 300_000 });
  });

  it('shows a job that started and never finished as running, before its first report too', async () => {
    const { json } = await start({ job_key: 'first-ever', title: '初回', started_at: minutesBefore(90) });

    expect((await runs('first-ever')).map((run) => [run.run_id, run.outcome])).toEqual([[json.run_id, 'running']]);
    expect(await api.store.getLatest('first-ever')).toMatchObject({
      title: '初回',
      inFlight: { runId: json.run_id, startedAt: minutesBefore(90) },
    });
  });

  it('lists a job whose first run started and never finished, as running with no finished run yet', async () => {
    await api.report(validReport(api, { job_key: 'older', finished_at: minutesBefore(120) }));
    await api.report(validReport(api, { job_key: 'newer', finished_at: minutesBefore(30) }));
    const { json } = await start({ job_key: 'first-ever', title: '初回', started_at: minutesBefore(90) });

    expect(await job('first-ever')).toMatchObject({
      title: '初回',
      status: null,
      finished_at: null,
      reported_at: null,
      message: null,
      health: 'running',
      running: { run_id: json.run_id, started_at: minutesBefore(90), slot: null },
      recent_runs: [expect.objectContaining({ run_id: json.run_id, status: 'running', finished_at: null })],
    });
    const summaries = await api.store.listLatestSummaries();
    expect(summaries.find((summary) => summary.jobKey === 'first-ever')).toMatchObject({
      inFlight: { runId: json.run_id, startedAt: minutesBefore(90) },
    });
    // Most recent report first; a job that never finished a run has none to place it by, so it comes last.
    expect(summaries.map((summary) => summary.jobKey)).toEqual(['newer', 'older', 'first-ever']);
    expect((await api.store.listLatest()).map((latest) => latest.jobKey)).toEqual(['newer', 'older', 'first-ever']);
  });

  it('closes the second of two starts in a row: the duration runs from the newer start', async () => {
    await start({ job_key: 'backup', started_at: minutesBefore(10) });
    const second = await start({ job_key: 'backup', started_at: minutesBefore(2) });

    await api.report(validReport(api, { job_key: 'backup', finished_at: NOW.toISOString() }));

    const [run] = await runs('backup');
    expect(run).toMatchObject({ started_at: minutesBefore(2), duration_ms: 120_000 });
    expect(await api.store.getLatest('backup')).toMatchObject({ lastStart: { runId: second.json.run_id } });
  });

  it('does not mark a job running when the start arrives after the report of its run', async () => {
    await api.report(validReport(api, { job_key: 'backup', finished_at: minutesBefore(1) }));

    const late = await start({ job_key: 'backup', started_at: minutesBefore(3) });

    expect(late.status).toBe(200);
    expect(await job('backup')).toMatchObject({ health: 'success', running: null });
    expect((await runs('backup')).map((run) => run.status)).toEqual(['success']);
  });

  it('records a report without a start as before: no start, no duration', async () => {
    await api.report(validReport(api, { job_key: 'backup' }));

    expect((await runs('backup'))[0]).toMatchObject({ started_at: null, duration_ms: null });
    expect(await job('backup')).toMatchObject({ last_duration_ms: null, running: null });
  });

  it('counts the failure streak, its start, the 7-day success rate and the recent runs', async () => {
    for (const [minutes, status] of [
      [30, 'success'],
      [20, 'error'],
      [10, 'error'],
    ] as const) {
      await api.report(
        validReport(api, { job_key: 'backup', status, finished_at: minutesBefore(minutes), message: `${status}` }),
      );
    }

    expect(await job('backup')).toMatchObject({
      health: 'error',
      consecutive_failures: 2,
      failing_since: minutesBefore(20),
      success_rate_7d: 0.333,
      recent_runs: [
        expect.objectContaining({ status: 'error', finished_at: minutesBefore(10), kind: 'report' }),
        expect.objectContaining({ status: 'error', finished_at: minutesBefore(20) }),
        expect.objectContaining({ status: 'success', finished_at: minutesBefore(30) }),
      ],
    });

    await api.report(validReport(api, { job_key: 'backup', finished_at: minutesBefore(1) }));

    expect(await job('backup')).toMatchObject({ consecutive_failures: 0, failing_since: null, success_rate_7d: 0.5 });
  });

  it('shows a built-in job running while the shared runner runs it, then its duration', async () => {
    let finish: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let clock = new Date(NOW.getTime() - 120_000);
    const slowJob = {
      id: 'slow-job',
      title: 'ゆっくりジョブ',
      payloadSchema: { safeParse: (value: unknown) => ({ success: true as const, data: value }) } as never,
      run: async () => {
        await running;
        return { message: 'done' };
      },
    };
    const outcome = runJob(slowJob, {}, { store: api.store, now: () => clock, publishMetrics: false });
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect((await runs('slow-job'))[0]).toMatchObject({ outcome: 'running', started_at: minutesBefore(2) });

    clock = NOW;
    finish();
    const { runId } = await outcome;

    expect((await runs('slow-job')).map((run) => [run.run_id, run.status, run.duration_ms])).toEqual([
      [runId, 'success', 120_000],
    ]);
    expect(await job('slow-job')).toMatchObject({ running: null, last_duration_ms: 120_000, health: 'success' });
  });
});
