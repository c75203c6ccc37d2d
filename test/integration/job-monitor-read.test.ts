import { credentialsFromEnv } from '../../lambdas/job-monitor/credentials';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** The read side of the monitor API: job list, history, the page's auth, routing. */
describe('monitor read API', () => {
  let api: MonitorFixture;
  beforeEach(async () => {
    api = await startMonitorFixture({ now: new Date('2025-08-11T06:00:00Z') });
  });
  afterEach(async () => {
    await api.close();
  });

  const at = (iso: string) => ({ finished_at: iso });

  it('lists errors first, then late jobs, then the most recent, with counts by status', async () => {
    await api.report(validReport(api, { job_key: 'old-ok', ...at('2025-08-11T01:00:00Z') }));
    await api.report(validReport(api, { job_key: 'new-ok', ...at('2025-08-11T05:00:00Z') }));
    await api.report(validReport(api, { job_key: 'late-ok', ...at('2025-08-11T02:00:00Z') }));
    await api.report(validReport(api, { job_key: 'failed', status: 'error', ...at('2025-08-11T00:30:00Z') }));
    const late = await api.store.getLatest('late-ok');
    await api.store.markLate('late-ok', '2025-08-11T03:10:00.000Z', late!.updatedAt);

    const response = await api.read('/api/monitor/jobs');
    const body = (await response.json()) as { jobs: Array<{ job_key: string }>; counts: unknown };

    expect(response.status).toBe(200);
    expect(body.jobs.map((job) => job.job_key)).toEqual(['failed', 'late-ok', 'new-ok', 'old-ok']);
    expect(body.counts).toEqual({ total: 4, success: 3, error: 1, late: 1, never_reported: 0 });
  });

  it('shows a job as it was reported, in snake_case', async () => {
    await api.report(
      validReport(api, { status: 'error', message: 'ディスクがいっぱい', ...at('2025-08-11T05:00:00Z') }),
    );

    const body = (await (await api.read('/api/monitor/jobs')).json()) as { jobs: unknown[] };

    expect(body.jobs).toEqual([
      expect.objectContaining({
        job_key: 'minpaku-in-report',
        title: 'minpaku-IN レポート作成',
        status: 'error',
        finished_at: '2025-08-11T05:00:00.000Z',
        message: 'ディスクがいっぱい',
        late: false,
        reported_at: '2025-08-11T06:00:00.000Z',
      }),
    ]);
  });

  it('pages through a job history newest first', async () => {
    for (const hour of ['01', '02', '03']) await api.report(validReport(api, at(`2025-08-11T${hour}:00:00Z`)));

    const first = (await (await api.read('/api/monitor/jobs/minpaku-in-report/runs?limit=2')).json()) as {
      runs: Array<{ finished_at: string }>;
      next_cursor: string;
    };
    const second = (await (
      await api.read(`/api/monitor/jobs/minpaku-in-report/runs?limit=2&cursor=${first.next_cursor}`)
    ).json()) as { runs: Array<{ finished_at: string }>; next_cursor: string | null };

    expect(first.runs.map((run) => run.finished_at)).toEqual(['2025-08-11T03:00:00.000Z', '2025-08-11T02:00:00.000Z']);
    expect(second.runs.map((run) => run.finished_at)).toEqual(['2025-08-11T01:00:00.000Z']);
  });

  it('finds the history of a job_key with a slash when it is percent-encoded', async () => {
    await api.report(validReport(api, { job_key: 'team/nightly' }));

    const response = await api.read('/api/monitor/jobs/team%2Fnightly/runs');

    expect(response.status).toBe(200);
    expect(((await response.json()) as { runs: unknown[] }).runs).toHaveLength(1);
  });

  it('answers 404 for the history of a job that never reported', async () => {
    const response = await api.read('/api/monitor/jobs/nobody/runs');

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'job_key "nobody" has no reports' });
  });

  it('rejects a limit outside 1-100 naming the parameter', async () => {
    const response = await api.read('/api/monitor/jobs/minpaku-in-report/runs?limit=500');

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'limit must be an integer from 1 to 100' });
  });

  it('rejects a cursor issued for another job', async () => {
    for (const hour of ['01', '02'])
      await api.report(validReport(api, { job_key: 'a', ...at(`2025-08-11T${hour}:00:00Z`) }));
    const page = (await (await api.read('/api/monitor/jobs/a/runs?limit=1')).json()) as { next_cursor: string };

    const response = await api.read(`/api/monitor/jobs/b/runs?cursor=${page.next_cursor}`);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^cursor is invalid/);
  });

  it('rejects a forged cursor whose key DynamoDB would refuse with 400, not 500', async () => {
    await api.report(validReport(api, { job_key: 'conc-a' }));
    const forged = Buffer.from(JSON.stringify({ pk: 'JOB#conc-a', sk: `RUN#${'z'.repeat(1021)}` })).toString(
      'base64url',
    );

    const response = await api.read(`/api/monitor/jobs/conc-a/runs?cursor=${forged}`);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^cursor is invalid/);
  });

  it.each([
    ['a key with an extra attribute', { pk: 'JOB#conc-a', sk: 'RUN#2025-08-11T01:00:00.000Z#abc', x: 1 }],
    ['a key of another item kind', { pk: 'JOB#conc-a', sk: 'LATEST' }],
    ['a key that is not a string', { pk: 'JOB#conc-a', sk: 42 }],
    ['a JSON array', ['JOB#conc-a']],
  ])('rejects a cursor holding %s', async (_name, position) => {
    await api.report(validReport(api, { job_key: 'conc-a' }));
    const forged = Buffer.from(JSON.stringify(position)).toString('base64url');

    const response = await api.read(`/api/monitor/jobs/conc-a/runs?cursor=${forged}`);

    expect(response.status).toBe(400);
  });

  it('rejects the job list without a read token', async () => {
    const response = await api.read('/api/monitor/jobs', {});

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="nightshift"');
    expect(await response.json()).toEqual({ error: 'Invalid or missing read token' });
  });

  it('does not accept the write secret as a read token', async () => {
    const response = await api.read('/api/monitor/jobs', { authorization: `Bearer ${api.writeSecret}` });

    expect(response.status).toBe(401);
  });

  it('accepts the read token as the password of HTTP Basic auth', async () => {
    const basic = Buffer.from(`anyone:${api.readToken}`).toString('base64');

    const response = await api.read('/api/monitor/jobs', { authorization: `Basic ${basic}` });

    expect(response.status).toBe(200);
  });

  it('asks a browser for a password on /incidents without credentials', async () => {
    const response = await api.read('/incidents', {});

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="nightshift"');
  });

  it('answers 500 Server configuration error on the read side when no read token is configured', async () => {
    const unconfigured = await startMonitorFixture({ credentials: credentialsFromEnv({ JOB_REPORT_SECRET: 'w' }) });
    try {
      const response = await unconfigured.read('/api/monitor/jobs');

      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: 'Server configuration error' });
    } finally {
      await unconfigured.close();
    }
  });

  it('serves the status page as HTML that escapes what reporters sent', async () => {
    await api.report(validReport(api, { status: 'error', message: '<img src=x onerror=alert(1)>' }));

    const response = await api.read('/incidents');
    const html = await response.text();

    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });

  it('answers 404 naming an unknown route', async () => {
    const response = await api.read('/api/monitor/nothing-here');

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no route for GET /api/monitor/nothing-here' });
  });

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const response = await api.read('/api/monitor/job-report');

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});
