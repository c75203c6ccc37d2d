import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  expectMatchesDocument,
  type OpenApi,
  type SchedulerFixture,
  startSchedulerFixture,
} from './http-scheduler-fixture';

/** The original scheduler's three example requests, verbatim. */
const SEED_CRON = {
  schedule_type: 'cron',
  cron: { hour: '10', minute: '30' },
  target_url: 'https://example.com/api/run-report',
  method: 'POST',
  headers: { Authorization: 'Bearer XXX' },
  body: { report: 'daily', projectId: 123 },
  max_retries: 2,
  retry_backoff_sec: 2.0,
};
const SEED_INTERVAL = {
  schedule_type: 'interval',
  interval: { minutes: 10 },
  target_url: 'https://example.com/health/check',
  method: 'GET',
};
const SEED_DATE = {
  schedule_type: 'date',
  run_at: '2025-09-20T15:00:00+09:00',
  target_url: 'https://example.com/billing/run',
  method: 'POST',
  body: { month: '2025-09' },
};

describe('HTTP job scheduler API', () => {
  let fixture: SchedulerFixture;
  let document: OpenApi & { openapi: string };
  beforeEach(async () => {
    fixture = await startSchedulerFixture({ now: new Date('2025-09-01T00:00:00Z') });
    document = (await fixture.request('GET', '/openapi.json', undefined, {})).json;
  });
  afterEach(() => fixture.close());

  /** Sends a request and checks the response against the OpenAPI document. */
  async function call(method: string, template: string, params: Record<string, string> = {}, body?: unknown) {
    const requestPath = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]));
    const response = await fixture.request(method, requestPath, body);
    expectMatchesDocument(document, method, template, response.status, response.json);
    return response;
  }

  it("accepts the original scheduler's three example requests verbatim and lists them with next_run_time and trigger", async () => {
    const created = [];
    for (const body of [SEED_CRON, SEED_INTERVAL, SEED_DATE]) {
      const response = await call('POST', '/jobs', {}, body);
      expect(response.status).toBe(201);
      expect(response.json).toMatchObject({ status: 'scheduled', job_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      created.push(response.json.job_id);
    }

    const list = await call('GET', '/jobs');
    const byId = Object.fromEntries(list.json.jobs.map((job: { job_id: string }) => [job.job_id, job]));
    expect(byId[created[0]]).toMatchObject({
      trigger: "cron[hour='10', minute='30']",
      next_run_time: '2025-09-01T10:30:00+09:00',
    });
    expect(byId[created[1]]).toMatchObject({
      trigger: 'interval[0:10:00]',
      next_run_time: '2025-09-01T09:10:00+09:00',
    });
    expect(byId[created[2]]).toMatchObject({
      trigger: 'date[2025-09-20 15:00:00 JST]',
      next_run_time: '2025-09-20T15:00:00+09:00',
    });
    expect(fixture.scheduler.calls.map((c) => c.spec?.plan.expression)).toEqual([
      'cron(30 10 * * ? *)',
      'rate(10 minutes)',
      'at(2025-09-20T15:00:00)',
    ]);
  });

  it('returns the signing secret once, masks sensitive headers, and keeps their values out of the table and the files', async () => {
    const created = await call(
      'POST',
      '/jobs',
      {},
      {
        ...SEED_CRON,
        job_id: 'report',
        headers: { Authorization: 'Bearer XXX', 'X-Tenant': 't1', 'X-Private': 'p-value' },
        secret_headers: ['X-Private'],
      },
    );
    expect(created.json.signing_secret).toMatch(/^nss_/);

    const shown = await call('GET', '/jobs/{job_id}', { job_id: 'report' });
    expect(shown.json.headers).toEqual({ Authorization: '********', 'X-Tenant': 't1', 'X-Private': '********' });
    expect(JSON.stringify(shown.json)).not.toContain(created.json.signing_secret);
    const rows = await fixture.db.send(new ScanCommand({ TableName: fixture.tableName }));
    expect(JSON.stringify(rows.Items)).not.toMatch(/Bearer XXX|p-value|nss_/);
    for (const file of readdirSync(fixture.secretsDir)) {
      expect(readFileSync(path.join(fixture.secretsDir, file), 'utf8')).not.toMatch(/Bearer XXX|p-value|nss_/);
    }
    expect(await fixture.secretsOf('report')).toEqual({
      signingSecret: created.json.signing_secret,
      headers: { Authorization: 'Bearer XXX', 'X-Private': 'p-value' },
    });
    expect(fixture.logLines.join('\n')).not.toMatch(/Bearer XXX|p-value|nss_/);
  });

  it('treats every credential-like header as secret: stored in the secret, masked in every response', async () => {
    const credentials = {
      'X-Auth-Token': 'auth-token-value',
      'Api-Key': 'api-key-value',
      'X-Amz-Security-Token': 'amz-token-value',
      'Private-Token': 'private-token-value',
      Cookie: 'session=cookie-value',
    };
    await call(
      'POST',
      '/jobs',
      {},
      { ...SEED_INTERVAL, job_id: 'tokens', headers: { ...credentials, 'X-Tenant': 't1' } },
    );

    const masked = Object.fromEntries(Object.keys(credentials).map((name) => [name, '********']));
    expect((await call('GET', '/jobs/{job_id}', { job_id: 'tokens' })).json.headers).toEqual({
      ...masked,
      'X-Tenant': 't1',
    });
    const listed = (await call('GET', '/jobs')).json.jobs.find((job: { job_id: string }) => job.job_id === 'tokens');
    expect(listed.headers).toEqual({ ...masked, 'X-Tenant': 't1' });
    expect((await fixture.secretsOf('tokens'))?.headers).toEqual(credentials);
    const rows = await fixture.db.send(new ScanCommand({ TableName: fixture.tableName }));
    expect(JSON.stringify(rows.Items)).not.toMatch(/-value/);
  });

  it('answers 401 without the admin token or with a wrong one', async () => {
    for (const headers of <Record<string, string>[]>[
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Basic ${fixture.token}` },
    ]) {
      const response = await fixture.request('GET', '/jobs', undefined, headers);
      expect(response.status).toBe(401);
      expectMatchesDocument(document, 'GET', '/jobs', 401, response.json);
    }
  });

  it('answers 404 naming the id for every route of an unknown job', async () => {
    for (const [method, template] of [
      ['GET', '/jobs/{job_id}'],
      ['DELETE', '/jobs/{job_id}'],
      ['POST', '/jobs/{job_id}/pause'],
      ['POST', '/jobs/{job_id}/resume'],
      ['POST', '/jobs/{job_id}/run'],
      ['GET', '/jobs/{job_id}/runs'],
    ]) {
      const response = await call(method, template, { job_id: 'nope' });
      expect(response.status).toBe(404);
      expect(response.json.error).toBe('job_id: no job "nope"');
    }
  });

  it('refuses a second job with the same job_id (409) unless replace_existing, which replaces it', async () => {
    await call('POST', '/jobs', {}, { ...SEED_INTERVAL, job_id: 'health' });
    const conflict = await call('POST', '/jobs', {}, { ...SEED_INTERVAL, job_id: 'health', interval: { minutes: 5 } });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error).toMatch(/^job_id: "health" exists/);

    const replaced = await call(
      'POST',
      '/jobs',
      {},
      { ...SEED_INTERVAL, job_id: 'health', interval: { minutes: 5 }, replace_existing: true },
    );
    expect(replaced.status).toBe(201);
    expect((await call('GET', '/jobs/{job_id}', { job_id: 'health' })).json.trigger).toBe('interval[0:05:00]');
    expect(fixture.scheduler.calls.map((c) => c.action)).toEqual(['create', 'update']);
  });

  it('pauses and resumes, answering 409 when pausing a paused job or resuming a running one', async () => {
    await call('POST', '/jobs', {}, { ...SEED_CRON, job_id: 'report' });
    expect((await call('POST', '/jobs/{job_id}/resume', { job_id: 'report' })).status).toBe(409);
    const paused = await call('POST', '/jobs/{job_id}/pause', { job_id: 'report' });
    expect(paused.json).toEqual({ job_id: 'report', status: 'paused' });
    expect((await call('GET', '/jobs/{job_id}', { job_id: 'report' })).json).toMatchObject({
      status: 'paused',
      next_run_time: null,
    });
    const again = await call('POST', '/jobs/{job_id}/pause', { job_id: 'report' });
    expect(again.status).toBe(409);
    expect(again.json.error).toBe('job_id: job "report" is paused, not scheduled');
    expect((await call('POST', '/jobs/{job_id}/resume', { job_id: 'report' })).json).toEqual({
      job_id: 'report',
      status: 'resumed',
    });
    expect(fixture.scheduler.calls.map((c) => [c.action, c.spec?.enabled])).toEqual([
      ['create', true],
      ['update', false],
      ['update', true],
    ]);
  });

  it('deletes the schedule, the job and its secrets', async () => {
    await call('POST', '/jobs', {}, { ...SEED_CRON, job_id: 'report' });
    expect((await call('DELETE', '/jobs/{job_id}', { job_id: 'report' })).json).toEqual({
      job_id: 'report',
      status: 'deleted',
    });
    expect(fixture.scheduler.calls.at(-1)).toMatchObject({ action: 'delete', jobId: 'report' });
    expect((await call('GET', '/jobs/{job_id}', { job_id: 'report' })).status).toBe(404);
    expect(fixture.secrets.list()).toEqual([]);
  });

  it('leaves nothing behind when the schedule cannot be created, and puts a replaced job back', async () => {
    fixture.scheduler.failNext = new Error('AccessDenied');
    const failed = await fixture.request('POST', '/jobs', { ...SEED_CRON, job_id: 'report' });
    expect(failed.status).toBe(502);
    expect(await fixture.store.getJob('report')).toBeUndefined();
    expect(fixture.secrets.list()).toEqual([]);
    expect(fixture.scheduler.schedules.size).toBe(0);

    await call('POST', '/jobs', {}, { ...SEED_CRON, job_id: 'report' });
    const before = await fixture.secretsOf('report');
    fixture.scheduler.failNext = new Error('Throttled');
    const replace = await fixture.request('POST', '/jobs', {
      ...SEED_INTERVAL,
      job_id: 'report',
      replace_existing: true,
    });
    expect(replace.status).toBe(502);
    expect((await fixture.store.getJob('report'))?.plan.trigger).toBe("cron[hour='10', minute='30']");
    expect(await fixture.secretsOf('report')).toEqual(before);
    expect(fixture.secrets.list()).toHaveLength(1);
    expect(fixture.scheduler.schedules.get('report')?.plan.trigger).toBe("cron[hour='10', minute='30']");
  });

  it('watches cron and interval jobs for lateness through the job-status store', async () => {
    await call('POST', '/jobs', {}, { ...SEED_CRON, job_id: 'report', name: 'Daily report' });
    expect(await fixture.statusStore.expectations.get('http-job:report')).toMatchObject({
      crons: ['30 10 * * *'],
      timezone: 'Asia/Tokyo',
      title: 'Daily report',
      source: 'api',
    });
    await call('POST', '/jobs/{job_id}/pause', { job_id: 'report' });
    expect(await fixture.statusStore.expectations.get('http-job:report')).toBeUndefined();
  });

  const badInputs: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown schedule type', { schedule_type: 'weekly' }, /^schedule_type: /],
    [
      'a cron field out of range',
      { schedule_type: 'cron', cron: { hour: '25' } },
      /^cron\.hour: 25 is out of range 0-23$/,
    ],
    [
      'an APScheduler field EventBridge cannot express',
      { schedule_type: 'cron', cron: { second: '*/10' } },
      /^cron\.second: EventBridge Scheduler cannot express/,
    ],
    [
      'an APScheduler construct EventBridge cannot express',
      { schedule_type: 'cron', cron: { day: 'last fri' } },
      /^cron\.day: "last fri" cannot be expressed by EventBridge Scheduler$/,
    ],
    [
      'day and day_of_week together',
      { schedule_type: 'cron', cron: { day: '1', day_of_week: 'mon' } },
      /^cron\.day_of_week: EventBridge Scheduler cannot restrict both/,
    ],
    [
      'an interval under 1 minute',
      { schedule_type: 'interval', interval: { minutes: 0 } },
      /^interval: must be at least 1 minute$/,
    ],
    [
      'interval seconds',
      { schedule_type: 'interval', interval: { seconds: 30 } },
      /^interval\.seconds: is not a field here$/,
    ],
    ['run_at in the past', { schedule_type: 'date', run_at: '2025-08-31T23:00:00+09:00' }, /^run_at: is in the past$/],
    [
      'run_at without an offset',
      { schedule_type: 'date', run_at: '2025-09-20T15:00:00' },
      /^run_at: must be ISO 8601 with an offset$/,
    ],
    ['an unknown time zone', { timezone: 'Asia/Atlantis' }, /^timezone: "Asia\/Atlantis" is not an IANA time zone$/],
    ['a method not allowed', { method: 'TRACE' }, /^method: /],
    [
      'a URL that is not http(s)',
      { target_url: 'file:///etc/passwd' },
      /^target_url: must be an http:\/\/ or https:\/\/ URL$/,
    ],
    ['a literal private address', { target_url: 'http://10.0.0.1/run' }, /^target_url: points to a loopback, private/],
    ['the metadata address', { target_url: 'http://169.254.169.254/latest/meta-data' }, /^target_url: points to/],
    ['a literal IPv6 loopback', { target_url: 'http://[::1]:8080/' }, /^target_url: points to/],
    ['a body over 64 KiB', { body: 'x'.repeat(65 * 1024) }, /^body: is 66560 bytes; at most 65536$/],
    ['a timeout over the caller limit', { timeout_sec: 61 }, /^timeout_sec: /],
    [
      'retries that would outlast the caller',
      { timeout_sec: 60, max_retries: 10, retry_backoff_sec: 60 },
      /^timeout_sec: with max_retries and backoff one run could take/,
    ],
    ['max_retries over 10', { max_retries: 11 }, /^max_retries: /],
    [
      'an invalid header name',
      { headers: { 'Bad Header': 'x' } },
      /^headers\.Bad Header: is not a valid HTTP header name and value$/,
    ],
    [
      'a header value with a line break',
      { headers: { 'X-Ok': 'a\r\nInjected: 1' } },
      /^headers\.X-Ok: is not a valid HTTP header/,
    ],
    [
      'a header the caller sets',
      { headers: { 'X-Nightshift-Job-Id': 'spoof' } },
      /^headers\.X-Nightshift-Job-Id: is set by the caller/,
    ],
    ['a job_id EventBridge cannot name', { job_id: 'has space' }, /^job_id: /],
    ['an unknown field (a typo)', { max_retry: 5 }, /^max_retry: is not a field of a job/],
    [
      'a date job carrying an invalid cron',
      { schedule_type: 'date', run_at: '2025-09-20T15:00:00+09:00', cron: { hour: '99' } },
      /^cron: belongs to schedule_type "cron", not "date"/,
    ],
    [
      'interval weeks beyond any Date',
      { schedule_type: 'interval', interval: { weeks: 9007199254740991 } },
      /^interval\.weeks: /,
    ],
    [
      'interval weeks of 20000000',
      { schedule_type: 'interval', interval: { weeks: 20_000_000 } },
      /^interval\.weeks: /,
    ],
    [
      'an interval over a year',
      { schedule_type: 'interval', interval: { days: 300, hours: 2000 } },
      /^interval: is 552000 minutes; at most 365 days/,
    ],
    [
      'run_at beyond EventBridge Scheduler',
      { schedule_type: 'date', run_at: '2300-01-01T00:00:00+09:00' },
      /^run_at: must be before 2200/,
    ],
    [
      'a cron field longer than any schedule',
      { schedule_type: 'cron', cron: { minute: '1,'.repeat(40) } },
      /^cron\.minute: /,
    ],
    [
      '450 KB of plain headers',
      { headers: Object.fromEntries(Array.from({ length: 45 }, (_, index) => [`X-H${index}`, 'v'.repeat(8000)])) },
      /^headers: names and values are \d+ bytes in all; at most 8192/,
    ],
    ['a 200 KB header value', { headers: { 'X-Big': 'v'.repeat(200_000) } }, /^headers\.X-Big: /],
    [
      'more headers than servers accept',
      { headers: Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`X-H${index}`, 'v'])) },
      /^headers: has 51 headers; at most 50$/,
    ],
    ['one header name twice', { headers: { 'X-Tenant': 'a', 'x-tenant': 'b' } }, /^headers\.x-tenant: is given twice/],
    ['a secret_headers name that is no header name', { secret_headers: ['bad name'] }, /^secret_headers\.0: /],
    ['a name that is not valid Unicode', { name: 'bad \ud800 name' }, /^name: contains an unpaired surrogate/],
  ];

  it.each(badInputs)('answers 400 naming the field for %s, and creates nothing', async (_what, overrides, message) => {
    // A job of another schedule_type carries no interval: that alone would be refused (naming `interval`).
    const { interval: _interval, ...base } = SEED_INTERVAL;
    const body = { ...(overrides.schedule_type === undefined ? SEED_INTERVAL : base), ...overrides };
    const response = await call('POST', '/jobs', {}, body);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatch(message);
    expect(fixture.scheduler.calls).toEqual([]);
    expect(await fixture.store.listJobs()).toEqual([]);
  });

  it.each([
    ['an array', [SEED_INTERVAL]],
    ['a string', 'a job'],
    ['null', null],
  ])('names the request body as a whole, not the body field, when it is %s', async (_what, body) => {
    const response = await call('POST', '/jobs', {}, JSON.stringify(body));
    expect(response.status).toBe(400);
    expect(response.json.error).toBe('request body: must be a JSON object (a job)');
  });

  it("keeps accepting every field of the original scheduler's request model", async () => {
    const everyField = {
      job_id: 'all-fields',
      replace_existing: false,
      schedule_type: 'cron',
      cron: { minute: '30', hour: '10', day: '*', month: '*', day_of_week: '*' },
      target_url: 'https://example.com/api/run-report',
      method: 'POST',
      headers: { Authorization: 'Bearer XXX', 'X-Tenant': 't1' },
      body: { report: 'daily', projectId: 123 },
      timeout_sec: 10,
      max_retries: 2,
      retry_backoff_sec: 2.0,
    };
    expect((await call('POST', '/jobs', {}, everyField)).status).toBe(201);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await fixture.request('POST', '/jobs', '{"schedule_type":');
    expect(response).toEqual({ status: 400, json: { error: 'request body: is not valid JSON' } });
  });

  it('serves one OpenAPI 3.1 document covering the scheduler and the job monitor, and Swagger UI at /docs', async () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/jobs',
        '/jobs/{job_id}/runs',
        '/api/monitor/job-report',
        '/api/monitor/jobs',
        '/incidents',
      ]),
    );
    const page = await fetch(`${fixture.url}/docs`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('./docs/swagger-ui-bundle.js');
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'swagger-initializer.js']) {
      const response = await fetch(`${fixture.url}/docs/${asset}`);
      expect(response.status).toBe(200);
      expect((await response.text()).length).toBeGreaterThan(100);
    }
    expect((await fetch(`${fixture.url}/docs/..%2Fpackage.json`)).status).toBe(404);
  });

  it('serves Swagger UI at /docs/ too: the trailing slash redirects, so every asset and the document load', async () => {
    const page = await fetch(`${fixture.url}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => new URL(match[1], page.url));
    expect(assets).toHaveLength(4);
    // What the initializer script asks for, from the page's own address.
    for (const url of [...assets, new URL('openapi.json', page.url)]) {
      expect([url.pathname, (await fetch(url)).status]).toEqual([url.pathname, 200]);
    }
  });
});
