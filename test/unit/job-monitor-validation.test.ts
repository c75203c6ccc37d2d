import { parseIso8601 } from '../../lambdas/job-monitor/iso-8601';
import { validateJobReport } from '../../lambdas/job-monitor/report-validation';

const now = new Date('2025-08-11T03:00:00Z');
const body = (fields: Record<string, unknown>) =>
  JSON.stringify({
    job_key: 'k',
    title: 't',
    status: 'success',
    finished_at: '2025-08-11T02:59:00Z',
    ...fields,
  });

describe('validateJobReport', () => {
  it('normalises a valid report to UTC and empty optional fields to null', () => {
    const result = validateJobReport(body({ finished_at: '2025-08-11T11:59:00+09:00', message: '', tool_id: '' }), now);

    expect(result).toEqual({
      ok: true,
      value: {
        jobKey: 'k',
        title: 't',
        status: 'success',
        finishedAt: '2025-08-11T02:59:00.000Z',
        toolId: null,
        message: null,
      },
    });
  });

  it('checks title before status, as the TC Portal does', () => {
    expect(validateJobReport(body({ title: 7, status: 'bad' }), now)).toMatchObject({ error: 'title is required' });
  });

  it('checks status before finished_at, as the TC Portal does', () => {
    expect(validateJobReport(body({ status: 'bad', finished_at: undefined }), now)).toMatchObject({
      error: "status must be 'success' or 'error'",
    });
  });

  it('reports the TC Portal error before the size limit of an oversized body', () => {
    const huge = JSON.stringify({ title: 't', padding: 'x'.repeat(70_000) });

    expect(validateJobReport(huge, now)).toMatchObject({ status: 400, error: 'job_key is required' });
  });

  it('accepts a finished_at exactly 5 minutes ahead of the server clock', () => {
    expect(validateJobReport(body({ finished_at: '2025-08-11T03:05:00Z' }), now).ok).toBe(true);
  });

  it('counts characters, not bytes, against the title limit', () => {
    expect(validateJobReport(body({ title: '障'.repeat(200) }), now).ok).toBe(true);
  });

  it('rejects a job_key with a DEL character', () => {
    expect(validateJobReport(body({ job_key: 'a\u007fb' }), now)).toMatchObject({
      error: 'job_key must not contain control characters',
    });
  });
});

describe('parseIso8601', () => {
  it.each([
    ['2025-08-11T03:00:00Z', '2025-08-11T03:00:00.000Z'],
    ['2025-08-11T03:00:00.123456+00:00', '2025-08-11T03:00:00.123Z'],
    ['2025-08-11T12:00:00+09:00', '2025-08-11T03:00:00.000Z'],
    ['2025-08-11T12:00:00+0900', '2025-08-11T03:00:00.000Z'],
    ['2025-08-11 03:00:00', '2025-08-11T03:00:00.000Z'],
    ['2025-08-11T03:00', '2025-08-11T03:00:00.000Z'],
    ['2025-08-11', '2025-08-11T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseIso8601(text)?.toISOString()).toBe(iso);
  });

  it.each([
    'August 11, 2025',
    '2025/08/11 03:00',
    '2025-13-01T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2025-08-11T24:00:00Z',
    '2025-08-11T03:00:00+25:00',
    '1754881200',
  ])('rejects %s', (text) => {
    expect(parseIso8601(text)).toBeUndefined();
  });
});
