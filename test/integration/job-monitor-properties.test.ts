import fc from 'fast-check';
import { encodeCursor } from '../../lambdas/shared/page-cursor';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/**
 * Whatever a caller sends, the monitor API answers 2xx or 4xx, never 5xx: through the real handler, the
 * local HTTP server and dynalite. Fixed seed and run count, so a run is repeatable and quick.
 */
describe('monitor API under arbitrary input (property)', () => {
  const settings = { seed: 20_251_123, numRuns: 40 };
  let api: MonitorFixture;
  beforeAll(async () => {
    api = await startMonitorFixture({ now: new Date('2025-08-11T06:00:00Z') });
    for (const hour of ['01', '02', '03']) {
      await api.report(validReport(api, { job_key: 'conc-a', finished_at: `2025-08-11T${hour}:00:00Z` }));
    }
  });
  afterAll(async () => {
    await api.close();
  });

  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: fc.constantFrom(' ', '\u0000', '\u200b', '\u202e', '\ufeff', 'a', '障', '"'), maxLength: 10 }),
  );
  const value = fc.oneof(text, fc.jsonValue({ maxDepth: 2 }));

  it('answers any job report with 200, 400 or 413', async () => {
    const body = fc.oneof(
      text,
      fc
        .record(
          {
            job_key: value,
            title: value,
            status: fc.oneof(fc.constantFrom('success', 'error'), value),
            finished_at: fc.oneof(fc.constant('2025-08-11T05:00:00Z'), value),
            tool_id: value,
            message: value,
          },
          { requiredKeys: [] },
        )
        .map((report) => JSON.stringify(report)),
    );
    await fc.assert(
      fc.asyncProperty(body, async (sent) => {
        expect([200, 400, 413]).toContain((await api.report(sent)).status);
      }),
      settings,
    );
  });

  it('answers any runs cursor with 200 or 400', async () => {
    const position = fc.oneof(
      fc.record({
        pk: fc.oneof(fc.constant('JOB#conc-a'), text),
        sk: fc.oneof(
          text,
          fc.string({ maxLength: 1100 }).map((tail) => `RUN#${tail}`),
        ),
      }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(text, position.map(encodeCursor)), async (cursor) => {
        const response = await api.read(`/api/monitor/jobs/conc-a/runs?limit=1&cursor=${encodeURIComponent(cursor)}`);
        expect([200, 400]).toContain(response.status);
      }),
      settings,
    );
  });

  it('answers any expectation with 200 or 400', async () => {
    const cron = fc.oneof(
      text,
      fc
        .array(fc.constantFrom('*', '0', '9', '31', '2', '*/0', '61', 'L', '5#5', 'FEB', '1-0'), {
          minLength: 4,
          maxLength: 6,
        })
        .map((fields) => fields.join(' ')),
    );
    const body = fc.record({
      cron,
      timezone: fc.constantFrom(undefined, 'Asia/Tokyo', 'Nowhere/City'),
      title: fc.option(text),
    });
    await fc.assert(
      fc.asyncProperty(body, async (expectation) => {
        const response = await fetch(`${api.url}/api/monitor/jobs/prop/expectation`, {
          method: 'PUT',
          headers: { 'x-tc-portal-webhook-secret': api.writeSecret, 'content-type': 'application/json' },
          body: JSON.stringify(expectation),
        });
        expect([200, 400]).toContain(response.status);
      }),
      settings,
    );
  });
});
