import { validateExpectation } from '../../lambdas/job-monitor/expectation-validation';
import { evaluateLateness, nextExpectedRun } from '../../lambdas/shared/expected-runs';

/**
 * A one-shot expectation (an HTTP scheduler `date` job): one run due at `runOnceAt`, late once
 * runOnceAt + grace passed without a check-in from that run, never late again after one.
 */
const utc = (iso: string) => new Date(iso);
const once = { crons: [], runOnceAt: '2025-09-20T06:00:00.000Z', timezone: 'Asia/Tokyo', graceMinutes: 7 };
const createdAt = utc('2025-09-01T00:00:00Z');

describe('evaluateLateness of a one-shot expectation', () => {
  it('is not late before run_at + grace, with that as its deadline', () => {
    expect(evaluateLateness(once, { createdAt, now: utc('2025-09-20T06:06:59Z') })).toEqual({
      late: false,
      deadline: utc('2025-09-20T06:07:00Z'),
    });
  });

  it('is late from run_at + grace when nothing checked in, since that deadline', () => {
    expect(evaluateLateness(once, { createdAt, now: utc('2025-09-20T06:07:00Z') })).toEqual({
      late: true,
      since: utc('2025-09-20T06:07:00Z'),
    });
    expect(evaluateLateness(once, { createdAt, now: utc('2026-01-01T00:00:00Z') })).toEqual({
      late: true,
      since: utc('2025-09-20T06:07:00Z'),
    });
  });

  it('is late when the only check-in came before its run (an earlier run, a manual run, a replaced job)', () => {
    const lateness = evaluateLateness(once, {
      lastCheckIn: utc('2025-09-20T05:58:59Z'),
      createdAt,
      now: utc('2025-09-20T06:30:00Z'),
    });

    expect(lateness).toEqual({ late: true, since: utc('2025-09-20T06:07:00Z') });
  });

  it('is never late again once its run checked in, and expects nothing more', () => {
    for (const checkIn of ['2025-09-20T06:00:40Z', '2025-09-20T06:20:00Z', '2025-09-21T00:00:00Z']) {
      for (const now of ['2025-09-20T06:30:00Z', '2025-09-21T06:00:00Z', '2030-01-01T00:00:00Z']) {
        if (Date.parse(now) < Date.parse(checkIn)) continue;
        expect(evaluateLateness(once, { lastCheckIn: utc(checkIn), createdAt, now: utc(now) })).toEqual({
          late: false,
          deadline: null,
        });
      }
    }
  });

  it('counts a check-in up to a minute before run_at as its run (clocks drift)', () => {
    const lateness = evaluateLateness(once, {
      lastCheckIn: utc('2025-09-20T05:59:00Z'),
      createdAt,
      now: utc('2025-09-20T07:00:00Z'),
    });

    expect(lateness).toEqual({ late: false, deadline: null });
  });

  it('is due at run_at even when the expectation was stored after it (no window start as for crons)', () => {
    const lateness = evaluateLateness(once, {
      createdAt: utc('2025-09-20T06:05:00Z'),
      now: utc('2025-09-20T06:07:00Z'),
    });

    expect(lateness).toEqual({ late: true, since: utc('2025-09-20T06:07:00Z') });
  });

  it('names run_at as the next expected run while it is ahead, and none after', () => {
    expect(nextExpectedRun(once, utc('2025-09-20T05:00:00Z'))).toEqual(utc('2025-09-20T06:00:00Z'));
    expect(() => nextExpectedRun(once, utc('2025-09-20T06:00:00Z'))).toThrow('no future run');
  });
});

describe('the expectation API and one-shot expectations', () => {
  it('takes no one-shot field from a PUT body: it is the HTTP scheduler’s own, and the body stays as it was', () => {
    for (const field of ['runOnceAt', 'run_once_at']) {
      const body = JSON.stringify({ cron: '0 9 * * *', [field]: '2025-09-20T06:00:00Z' });
      const result = validateExpectation('backup', body, utc('2025-09-01T00:00:00Z'));

      expect(result).toMatchObject({ ok: true, value: { crons: ['0 9 * * *'] } });
      expect(result.ok && 'runOnceAt' in result.value).toBe(false);
    }
    expect(validateExpectation('backup', JSON.stringify({ run_once_at: '2025-09-20T06:00:00Z' }), createdAt)).toEqual({
      ok: false,
      status: 400,
      error: 'cron or every_minutes is required',
    });
  });
});
