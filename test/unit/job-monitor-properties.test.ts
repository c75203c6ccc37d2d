import fc from 'fast-check';
import { validateExpectation } from '../../lambdas/job-monitor/expectation-validation';
import { selectPage } from '../../lambdas/job-monitor/job-pages';
import {
  jobKeyProblem,
  REPORT_LIMITS,
  titleProblem,
  validateJobReport,
} from '../../lambdas/job-monitor/report-validation';
import { evaluateLateness, nextExpectedRun } from '../../lambdas/shared/expected-runs';
import { decodeRunsCursor, jobPartitionKey } from '../../lambdas/shared/job-status-store';
import { encodeCursor, InvalidCursorError } from '../../lambdas/shared/page-cursor';

/**
 * Whatever a caller sends, the monitor's parsers answer with a refusal (a 4xx) or a value that holds
 * what the rest of the code relies on; they never throw. Fixed seed and run count: the same cases every run.
 */
const settings = { seed: 20_251_123, numRuns: 300 };
const now = new Date('2025-08-11T03:00:00Z');

/** Strings that stress text handling: controls, invisible characters, surrogates, BOMs, quotes. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(' ', '\u0000', '\u200b', '\u202e', '\ufeff', '\u3000', '"', '\\', 'a', '障', '\ud800', '😀'),
    maxLength: 12,
  }),
  fc.constantFrom('', ' ', 'ok', 'k'.repeat(201), '2025-08-11T03:00:00Z', '0F8FAD5B-D9CB-469F-A165-70867728950E'),
);
const anyValue = fc.oneof(nastyString, fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));

describe('report validator (property)', () => {
  const field = (valid: unknown) =>
    fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, { weight: 2, arbitrary: anyValue });
  const reportBody = fc
    .record({
      job_key: field('backup'),
      title: field('夜間バックアップ'),
      status: field('error'),
      finished_at: field('2025-08-11T02:59:00+09:00'),
      tool_id: field(null),
      message: field('disk full'),
    })
    .chain((report) =>
      fc.constantFrom(JSON.stringify(report), `\ufeff${JSON.stringify(report)}`, JSON.stringify(report).slice(0, -1)),
    );

  it('refuses with 400/413 and a message, or returns a report every later step can store and show', () => {
    fc.assert(
      fc.property(fc.oneof(reportBody, nastyString, fc.json()), (body) => {
        const result = validateJobReport(body, now);
        if (!result.ok) {
          expect([400, 413]).toContain(result.status);
          expect(result.error.length).toBeGreaterThan(0);
          return;
        }
        const report = result.value;
        expect(jobKeyProblem(report.jobKey)).toBeUndefined();
        expect(report.jobKey.length).toBeGreaterThan(0);
        expect(titleProblem(report.title)).toBeUndefined();
        expect(['success', 'error']).toContain(report.status);
        expect(new Date(report.finishedAt).toISOString()).toBe(report.finishedAt);
        expect(Date.parse(report.finishedAt)).toBeLessThanOrEqual(now.getTime() + REPORT_LIMITS.futureMinutes * 60_000);
        expect(report.toolId === null || /^[0-9a-f-]{36}$/.test(report.toolId)).toBe(true);
        expect(report.message === null || [...report.message].length <= REPORT_LIMITS.messageChars).toBe(true);
      }),
      settings,
    );
  });
});

describe('cursor codec (property)', () => {
  const jobKey = fc.oneof(fc.constant('conc-a'), fc.string({ minLength: 1, maxLength: 30 }));
  const forgedPosition = fc.oneof(
    fc.record({
      pk: fc.oneof(fc.constant('JOB#conc-a'), nastyString),
      sk: fc.oneof(
        nastyString,
        fc.string({ maxLength: 1100 }).map((tail) => `RUN#${tail}`),
      ),
    }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const cursor = fc.oneof(nastyString, fc.base64String({ maxLength: 200 }), forgedPosition.map(encodeCursor));

  function decodeOrRefuse(text: string, key: string) {
    try {
      return decodeRunsCursor(text, key);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidCursorError);
      return undefined;
    }
  }

  it('refuses a runs cursor (InvalidCursorError) or yields a history key of that job DynamoDB accepts', () => {
    fc.assert(
      fc.property(cursor, jobKey, (text, key) => {
        const decoded = decodeOrRefuse(text, key);
        if (!decoded) return;
        expect(Object.keys(decoded).sort()).toEqual(['pk', 'sk']);
        expect(decoded.pk).toBe(jobPartitionKey(key));
        expect(decoded.sk).toMatch(/^RUN#\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[A-Za-z0-9._:-]+$/);
        expect(Buffer.byteLength(decoded.sk)).toBeLessThanOrEqual(1024);
      }),
      settings,
    );
  });

  it('gives back every history key it encoded', () => {
    const historyKey = fc.record({
      finishedAt: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
      runId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,100}$/),
    });
    fc.assert(
      fc.property(historyKey, jobKey, ({ finishedAt, runId }, key) => {
        const position = { pk: jobPartitionKey(key), sk: `RUN#${finishedAt.toISOString()}#${runId}` };
        expect(decodeRunsCursor(encodeCursor(position), key)).toEqual(position);
      }),
      settings,
    );
  });

  it('refuses a job-list cursor (InvalidCursorError) or pages from it', () => {
    fc.assert(
      fc.property(fc.oneof(cursor, fc.jsonValue({ maxDepth: 2 }).map(encodeCursor)), (text) => {
        try {
          expect(selectPage([], text, 10)).toEqual({ jobs: [], nextCursor: undefined });
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidCursorError);
        }
      }),
      settings,
    );
  });
});

describe('expectation cron parser (property)', () => {
  const token = fc.oneof(
    fc.constantFrom('*', '?', 'L', 'W', '#', '-', ',', '/', 'MON', 'JAN', 'FEB', 'sun', '5L', '1#5', 'LW'),
    fc.integer({ min: -1, max: 70 }).map(String),
    fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })).map(([a, b]) => `${a}-${b}`),
    fc.integer({ min: 0, max: 61 }).map((step) => `*/${step}`),
  );
  const field = fc.array(token, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(','));
  const cron = fc.oneof(
    fc.array(field, { minLength: 4, maxLength: 7 }).map((fields) => fields.join(' ')),
    fc.constantFrom('0 9 31 2 *', '0 0 29 2 *', '0 9 30 2 1', '0 0 1 1 *', '0 2 * 3 0'),
    nastyString,
  );
  const timezone = fc.constantFrom(
    undefined,
    'Asia/Tokyo',
    'UTC',
    'America/New_York',
    'Australia/Lord_Howe',
    'Mars/Olympus',
  );

  it('refuses with 400 or stores an expectation the watchdog can evaluate within a year', () => {
    fc.assert(
      fc.property(cron, timezone, (expression, zone) => {
        const result = validateExpectation('backup', JSON.stringify({ cron: expression, timezone: zone }), now);
        if (!result.ok) {
          expect(result.status).toBe(400);
          expect(result.error).toMatch(/^(cron|timezone|title)/);
          return;
        }
        const next = nextExpectedRun(result.value, now);
        expect(next.getTime()).toBeGreaterThan(now.getTime());
        expect(next.getTime() - now.getTime()).toBeLessThanOrEqual(366 * 86_400_000);
        expect(() => evaluateLateness(result.value, { createdAt: now, now })).not.toThrow();
      }),
      { ...settings, numRuns: 200 },
    );
  });
});
