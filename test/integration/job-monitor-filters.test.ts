import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** ?status=, ?tag= and ?q= on GET /api/monitor/jobs and /incidents; tags and owner on reports and expectations. */
describe('job list filters and labels', () => {
  let api: MonitorFixture;
  beforeEach(async () => {
    api = await startMonitorFixture({ now: new Date('2025-08-11T00:00:00Z') });
    await api.report(validReport(api, { tags: ['billing', 'daily'], owner: '佐藤' }));
    await api.report(
      validReport(api, { job_key: 'sales-import', title: '売上データ取込', status: 'error', tags: ['billing'] }),
    );
    await api.write('PUT', '/api/monitor/jobs/nightly-backup/expectation', {
      cron: '0 3 * * *',
      title: 'Nightly backup',
      tags: ['infra'],
      owner: 'ops-team',
    });
    await api.write('POST', '/api/monitor/jobs/sales-import/mute', { until: 'PT2H', reason: '既知の障害' });
  });
  afterEach(async () => {
    await api.close();
  });

  async function listed(query: string) {
    const response = await api.read(`/api/monitor/jobs${query}`);
    const body = (await response.json()) as { jobs: Record<string, unknown>[]; error?: string };
    return { status: response.status, keys: body.jobs?.map((job) => job.job_key), body };
  }

  it('keeps the tags and owner of reports and of expectations on the job list', async () => {
    const { body } = await listed('');
    const byKey = Object.fromEntries(body.jobs.map((job) => [job.job_key, job]));

    expect(byKey['minpaku-in-report']).toMatchObject({ tags: ['billing', 'daily'], owner: '佐藤' });
    expect(byKey['nightly-backup']).toMatchObject({ tags: ['infra'], owner: 'ops-team', health: 'not_yet_run' });
  });

  it('keeps a job’s tags when a later report carries none', async () => {
    await api.report(validReport(api, { finished_at: '2025-08-10T23:59:30Z' }));

    const { body } = await listed('?q=minpaku');

    expect(body.jobs[0]).toMatchObject({ tags: ['billing', 'daily'], owner: '佐藤' });
  });

  it.each([
    ['?status=error', ['sales-import']],
    ['?status=muted', ['sales-import']],
    ['?tag=billing', ['sales-import', 'minpaku-in-report']],
    ['?tag=infra', ['nightly-backup']],
    ['?q=BACKUP', ['nightly-backup']],
    ['?q=売上', ['sales-import']],
    ['?tag=billing&status=error', ['sales-import']],
  ])('GET /api/monitor/jobs%s lists %j', async (query, keys) => {
    expect((await listed(query)).keys).toEqual(keys);
  });

  it('pages a filtered list, and its next link keeps the filter', async () => {
    const response = await api.read('/api/monitor/jobs?tag=billing&limit=1');
    const body = (await response.json()) as { jobs: { job_key: string }[]; next_cursor: string };

    expect(body.jobs.map((job) => job.job_key)).toEqual(['sales-import']);
    const next = /<([^>]+)>/.exec(response.headers.get('link') ?? '')?.[1] ?? '';
    expect(next).toContain('tag=billing');
    expect((await listed(next.replace('/api/monitor/jobs', ''))).keys).toEqual(['minpaku-in-report']);
  });

  it.each([
    ['?status=broken', 'status must be one of error, late, hung, running, muted'],
    ['?tag=NO', "tag must be 1-32 characters of a-z, 0-9, '-', '_', '.', ':'"],
    ['?q=', 'q must be 1-200 characters'],
  ])('refuses %s with 400 naming the parameter', async (query, error) => {
    const { status, body } = await listed(query);

    expect({ status, error: body.error }).toEqual({ status: 400, error });
  });

  it('filters the status page with the same parameters', async () => {
    const page = await (await api.read('/incidents?tag=infra')).text();
    const refused = await api.read('/incidents?status=broken');

    expect(page).toContain('Nightly backup');
    expect(page).not.toContain('売上データ取込');
    expect(refused.status).toBe(400);
  });

  it('refuses bad labels on a report after the TC Portal’s checks, and stores nothing', async () => {
    const badTags = await api.report(validReport(api, { job_key: 'new-job', tags: ['Not OK'] }));
    const portalFirst = await api.report(validReport(api, { job_key: 'new-job', title: '', tags: ['Not OK'] }));
    const badOwner = await api.report(validReport(api, { job_key: 'new-job', owner: 42 }));

    expect(badTags).toEqual({
      status: 400,
      json: { error: "tags[0] must be 1-32 characters of a-z, 0-9, '-', '_', '.', ':'" },
    });
    expect(portalFirst).toEqual({ status: 400, json: { error: 'title is required' } });
    expect(badOwner.json).toEqual({ error: 'owner must be a string of 1-100 characters, or null' });
    expect(await api.store.getLatest('new-job')).toBeUndefined();
  });

  it('refuses bad labels on an expectation, naming the field', async () => {
    const response = await api.write('PUT', '/api/monitor/jobs/x/expectation', { every_minutes: 5, tags: 'infra' });

    expect(response).toEqual({ status: 400, json: { error: 'tags must be an array of at most 10 strings' } });
    expect(await api.store.expectations.get('x')).toBeUndefined();
  });
});
