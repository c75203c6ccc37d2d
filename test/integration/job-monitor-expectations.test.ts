import { type MonitorFixture, startMonitorFixture } from './job-monitor-fixture';

/** PUT / GET / DELETE /api/monitor/jobs/{job_key}/expectation against the local API. */
describe('job expectation API', () => {
  let api: MonitorFixture;
  beforeEach(async () => {
    api = await startMonitorFixture({ now: new Date('2025-08-11T00:00:00Z') });
  });
  afterEach(async () => {
    await api.close();
  });

  function putExpectation(jobKey: string, body: unknown, secret = api.writeSecret) {
    return fetch(`${api.url}/api/monitor/jobs/${encodeURIComponent(jobKey)}/expectation`, {
      method: 'PUT',
      headers: { 'x-tc-portal-webhook-secret': secret, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('stores a cron expectation with the Asia/Tokyo and 10-minute grace defaults', async () => {
    const response = await putExpectation('minpaku-in-report', { cron: '0 9 * * *' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      success: true,
      job_key: 'minpaku-in-report',
      expectation: {
        crons: ['0 9 * * *'],
        every_minutes: null,
        timezone: 'Asia/Tokyo',
        grace_minutes: 10,
        title: null,
        source: 'api',
        created_at: '2025-08-11T00:00:00.000Z',
        problem: null,
        max_runtime_minutes: null,
      },
    });
  });

  it('returns a stored expectation to a reader with the read token', async () => {
    await putExpectation('minpaku-in-report', { every_minutes: 15, grace_minutes: 3, timezone: 'UTC' });

    const response = await api.read('/api/monitor/jobs/minpaku-in-report/expectation');

    expect(await response.json()).toMatchObject({
      expectation: { every_minutes: 15, grace_minutes: 3, timezone: 'UTC', crons: [] },
    });
  });

  it('replaces a cron expectation with an interval one without keeping the cron', async () => {
    await putExpectation('minpaku-in-report', { cron: '0 9 * * *' });

    await putExpectation('minpaku-in-report', { every_minutes: 60 });

    expect(await api.store.expectations.get('minpaku-in-report')).toMatchObject({ crons: [], everyMinutes: 60 });
  });

  it('rejects setting an expectation without the write secret', async () => {
    const response = await putExpectation('minpaku-in-report', { cron: '0 9 * * *' }, 'wrong');

    expect(response.status).toBe(401);
    expect(await api.store.expectations.get('minpaku-in-report')).toBeUndefined();
  });

  const badBodies: Array<[string, unknown, string]> = [
    ['neither cron nor every_minutes', {}, 'cron or every_minutes is required'],
    [
      'both cron and every_minutes',
      { cron: '0 9 * * *', every_minutes: 5 },
      'give either cron or every_minutes, not both',
    ],
    ['a six-field cron', { cron: '0 0 9 * * *' }, 'cron must be five fields'],
    ['an out-of-range cron minute', { cron: '61 9 * * *' }, 'cron must be five fields'],
    ['every_minutes of zero', { every_minutes: 0 }, 'every_minutes must be an integer from 1 to 10080'],
    ['an unknown time zone', { cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 'timezone must be an IANA time zone'],
    ['a negative grace', { cron: '0 9 * * *', grace_minutes: -1 }, 'grace_minutes must be an integer from 0 to 1440'],
    [
      'a cron that never runs (31 February)',
      { cron: '0 9 31 2 *' },
      'cron "0 9 31 2 *" has no run within the next year (in Asia/Tokyo)',
    ],
    [
      'a cron that runs only every four years',
      { cron: '0 0 29 2 *' },
      'cron "0 0 29 2 *" has no run within the next year',
    ],
    [
      'a title with a NUL character',
      { cron: '0 9 * * *', title: 'a\u0000' },
      'title must not contain control characters',
    ],
  ];

  it.each(badBodies)('rejects %s with the error naming the field', async (_name, body, error) => {
    const response = await putExpectation('minpaku-in-report', body);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(error);
    expect(await api.store.expectations.get('minpaku-in-report')).toBeUndefined();
  });

  it.each([
    ['\u200b', 'job_key must not be blank'],
    [
      'nightly\u202e',
      'job_key must not contain invisible or bidirectional formatting characters (such as U+200B or U+202E)',
    ],
  ])('rejects the job_key %j in the path with the error naming it', async (jobKey, error) => {
    const response = await putExpectation(jobKey, { cron: '0 9 * * *' });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error });
  });

  it('deletes an expectation and answers 404 for one that is gone', async () => {
    await putExpectation('minpaku-in-report', { cron: '0 9 * * *' });
    const remove = () =>
      fetch(`${api.url}/api/monitor/jobs/minpaku-in-report/expectation`, {
        method: 'DELETE',
        headers: { 'x-tc-portal-webhook-secret': api.writeSecret },
      });

    const first = await remove();
    const second = await remove();

    expect([first.status, second.status]).toEqual([200, 404]);
  });
});
