import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { callJob } from '../../lambdas/http-scheduler/call-job';
import { verifySignature } from '../../lambdas/http-scheduler/signature';
import {
  expectMatchesDocument,
  type OpenApi,
  type SchedulerFixture,
  startSchedulerFixture,
} from './http-scheduler-fixture';

/**
 * Whatever body a client sends to POST /jobs, the answer is a 4xx naming what is wrong, or a 201
 * for a job that runs: the caller calls the target once, with a signature the returned secret
 * verifies and the body the job holds. Never a 5xx. Through the real handler, the local HTTP
 * server, dynalite and the encrypted secret store; the one target is local (allow-listed), so
 * no call leaves the machine. Fixed seed and run count.
 */
describe('POST /jobs under arbitrary input (property)', () => {
  const settings = { seed: 20_251_202, numRuns: 120 };
  let fixture: SchedulerFixture;
  let document: OpenApi;
  let target: http.Server;
  let targetUrl: string;
  let received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    target = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    fixture = await startSchedulerFixture({ allowHosts: '127.0.0.1' });
    document = (await fixture.request('GET', '/openapi.json', undefined, {})).json;
  });
  afterAll(async () => {
    await fixture.close();
    await new Promise<void>((resolve) => target.close(() => resolve()));
  });

  const junk = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom('', ' ', '\u0000', 'bad \ud800 half', '障害', 'null'),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const cronValue = fc.constantFrom('*', '*/5', '1-5', '1-30/10', '0', '7', '2,4,6');
  const cronSchedule = fc.record({
    schedule_type: fc.constant('cron'),
    cron: fc.record(
      {
        minute: cronValue,
        hour: cronValue,
        day: fc.oneof(cronValue, fc.constant('last')),
        month: fc.oneof(cronValue, fc.constant('jan-jun')),
        day_of_week: fc.constantFrom('mon-fri', 'sat,sun', '*', 0, 6),
      },
      { requiredKeys: ['hour'] },
    ),
  });
  const intervalSchedule = fc.record({
    schedule_type: fc.constant('interval'),
    interval: fc.record(
      {
        weeks: fc.integer({ min: 0, max: 52 }),
        days: fc.integer({ min: 0, max: 6 }),
        hours: fc.integer({ min: 0, max: 23 }),
        minutes: fc.integer({ min: 1, max: 59 }),
      },
      { requiredKeys: ['minutes'] },
    ),
  });
  const offset = fc.constantFrom('+09:00', 'Z', '-14:00', '+14:00', '+05:30');
  const runAt = fc.tuple(fc.integer({ min: 60, max: 5 * 365 * 86_400 }), offset).map(([seconds, zone]) => {
    const at = new Date(Date.now() + seconds * 1000);
    const minutes =
      zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
    return new Date(at.getTime() + minutes * 60_000).toISOString().replace(/\.\d+Z$/, zone);
  });
  const dateSchedule = fc.record({ schedule_type: fc.constant('date'), run_at: runAt });
  const headerName = fc.oneof(
    fc.constantFrom('X-Tenant', 'Authorization', 'X-Auth-Token', 'Api-Key', 'Cookie', 'Accept', 'X-Private'),
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/),
  );
  const headerValue = fc.oneof(
    { weight: 8, arbitrary: fc.stringMatching(/^[\x20-\x7e\xa0-\xff]{0,60}$/) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 7000 }).map((length) => 'v'.repeat(length)) },
  );
  const seconds = (min: number, max: number) => fc.integer({ min: min * 1000, max: max * 1000 }).map((ms) => ms / 1000);
  /** A job every limit accepts, from ordinary to the edge of each bound. */
  const validJob = fc
    .tuple(
      fc.oneof(cronSchedule, intervalSchedule, dateSchedule),
      fc.record(
        {
          job_id: fc.uuid(),
          replace_existing: fc.boolean(),
          name: fc.string({ unit: 'grapheme', maxLength: 60 }),
          method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
          headers: fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
          body: fc.oneof(fc.jsonValue({ maxDepth: 40 }), fc.string({ unit: 'grapheme' })),
          timeout_sec: seconds(0.5, 60),
          max_retries: fc.integer({ min: 0, max: 3 }),
          retry_backoff_sec: seconds(0, 30),
          misfire_grace_sec: fc.integer({ min: 1, max: 86_400 }),
          timezone: fc.constantFrom('Asia/Tokyo', 'UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney'),
        },
        { requiredKeys: [] },
      ),
      fc.webPath(),
    )
    .map(([when, what, path]) => ({
      ...when,
      ...what,
      ...(what.headers ? { secret_headers: Object.keys(what.headers).slice(0, 1) } : {}),
      target_url: `${targetUrl}${path}`,
    }));
  /** The ways a client gets a job wrong: one field replaced by anything, or by a value beyond a limit. */
  const wrongValue = fc.oneof(
    junk.map((value) => ({ field: 'any', value })),
    fc.constantFrom(
      { field: 'interval', value: { weeks: 9007199254740991 } },
      { field: 'interval', value: { weeks: 20_000_000 } },
      { field: 'interval', value: { days: 300, hours: 2000 } },
      { field: 'interval', value: { seconds: 30 } },
      { field: 'run_at', value: '2300-01-01T00:00:00+09:00' },
      { field: 'run_at', value: '2020-01-01T00:00:00Z' },
      { field: 'cron', value: { minute: '1,'.repeat(40) } },
      { field: 'cron', value: { second: '*/5' } },
      { field: 'headers', value: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`X-H${i}`, 'v'])) },
      {
        field: 'headers',
        value: Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`X-H${i}`, 'v'.repeat(8000)])),
      },
      { field: 'headers', value: { 'X-Big': 'v'.repeat(200_000) } },
      { field: 'headers', value: { Expect: 'nope', 'X-Ok': 'a\r\nInjected: 1' } },
      { field: 'secret_headers', value: ['bad name'] },
      { field: 'name', value: 'bad \ud800 half' },
      { field: 'timeout_sec', value: 5e-324 },
      { field: 'retry_backoff_sec', value: 1e-7 },
      { field: 'target_url', value: 'http://[::ffff:127.0.0.1]/' },
      { field: 'target_url', value: 'http://user:pw@127.0.0.1/' },
      { field: 'body', value: 'x'.repeat(70_000) },
      { field: 'max_retry', value: 3 },
    ),
  );
  const fields = ['schedule_type', 'cron', 'interval', 'run_at', 'job_id', 'name', 'method', 'headers', 'timeout_sec'];
  const hostileJob = fc
    .tuple(validJob, wrongValue, fc.constantFrom(...fields))
    .map(([job, wrong, any]) => ({ ...job, [wrong.field === 'any' ? any : wrong.field]: wrong.value }));
  const anyBody = fc.oneof(
    { weight: 1, arbitrary: junk },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 4, arbitrary: validJob },
    { weight: 4, arbitrary: hostileJob },
  );

  it('answers any body with a 4xx naming the field, or a 201 for a job that runs', async () => {
    let created = 0;
    await fc.assert(
      fc.asyncProperty(anyBody, async (sent) => {
        const response = await fixture.request('POST', '/jobs', JSON.stringify(sent));
        expect(response.status).toBeLessThan(500);
        expectMatchesDocument(document, 'POST', '/jobs', response.status, response.json);
        if (response.status !== 201) {
          expect(response.json.error).toMatch(/^(request body|[A-Za-z_][\w.-]*|headers\.[^:]*): \S/);
          return;
        }
        created += 1;
        const jobId = response.json.job_id as string;
        const shown = await fixture.request('GET', `/jobs/${jobId}`);
        expectMatchesDocument(document, 'GET', '/jobs/{job_id}', shown.status, shown.json);
        const spec = fixture.scheduler.schedules.get(jobId);
        received = [];
        const outcome = await callJob(fixture.callerDeps, {
          job_id: jobId,
          generation: spec?.generation,
          trigger: 'manual',
        });
        // A timeout under a second may run out on a busy machine: that is the job's own setting, recorded as such.
        if (outcome?.status === 'error' && shown.json.timeout_sec < 1) {
          expect(outcome.error).toMatch(/timed out/);
          return;
        }
        expect(outcome).toMatchObject({ status: 'success', attempts: 1 });
        const [call] = received;
        const body = shown.json.body;
        expect(call.body).toBe(
          body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body),
        );
        expect(
          verifySignature({
            secret: response.json.signing_secret,
            timestamp: String(call.headers['x-nightshift-timestamp']),
            signature: String(call.headers['x-nightshift-signature']),
            body: call.body,
          }),
        ).toBe(true);
      }),
      settings,
    );
    // The generators reach the accepting side often enough for the second half of the property to mean something.
    expect(created).toBeGreaterThan(10);
  });
});
