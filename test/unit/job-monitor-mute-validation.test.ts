import { parseIsoDuration, validateMute } from '../../lambdas/job-monitor/mute-validation';

const NOW = new Date('2025-08-11T00:00:00Z');

describe('mute until', () => {
  it.each([
    ['PT2H', 2 * 3_600_000],
    ['PT30M', 30 * 60_000],
    ['PT90S', 90_000],
    ['P1DT12H', 36 * 3_600_000],
    ['P1W', 7 * 86_400_000],
    ['pt2h', 2 * 3_600_000],
  ])('reads the ISO 8601 duration %s', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['P', 'PT', 'P1DT', 'P1M', 'P1Y', 'PT1.5H', '2h', 'P1W2D'])('does not take %s for a duration', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });

  it('takes a time with a zone as that instant, stored in UTC', () => {
    expect(validateMute(JSON.stringify({ until: '2025-08-11T18:00:00+09:00', reason: 'x' }), NOW)).toEqual({
      ok: true,
      value: { until: '2025-08-11T09:00:00.000Z', reason: 'x' },
    });
  });

  it('takes exactly 30 days ahead, and refuses a second more', () => {
    expect(validateMute(JSON.stringify({ until: 'P30D', reason: 'x' }), NOW).ok).toBe(true);
    expect(validateMute(JSON.stringify({ until: '2025-09-10T00:00:01Z', reason: 'x' }), NOW)).toMatchObject({
      ok: false,
      status: 400,
      error: expect.stringMatching(/^until must be at most 30 days ahead/),
    });
  });

  it('checks until before reason, and trims the reason it keeps', () => {
    expect(validateMute(JSON.stringify({ until: 'never' }), NOW)).toMatchObject({
      error: expect.stringMatching(/^until must be an ISO 8601 time or duration/),
    });
    expect(validateMute(JSON.stringify({ until: 'PT1H', reason: '  移行中 ' }), NOW)).toMatchObject({
      value: { reason: '移行中' },
    });
  });
});
