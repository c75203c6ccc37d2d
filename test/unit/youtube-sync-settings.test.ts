import { parsePayload } from '../../lambdas/shared/job-runner';
import { expectedCalls } from '../../lambdas/youtube-sync/fetch-channel';
import { isTransient, QuotaBudgetReached, QuotaMeter } from '../../lambdas/youtube-sync/quota';
import { parseSettings, youtubeSyncPayload } from '../../lambdas/youtube-sync/settings';
import { toYoutubeApiError } from '../../lambdas/youtube-sync/youtube-api';

const CHANNEL = 'UC_x5XG1OV2P6uZZ5FSM9Ttw';

describe('youtube-sync settings and payload', () => {
  it('default to a 3,000-unit budget and 4 channels at once', () => {
    expect(parseSettings({ JOB_SETTINGS: JSON.stringify({ channels: [CHANNEL] }) })).toMatchObject({
      channels: [CHANNEL],
      quotaBudget: 3000,
      concurrency: 4,
    });
  });

  it('take the channels from YOUTUBE_CHANNELS when the settings name none', () => {
    expect(parseSettings({ YOUTUBE_CHANNELS: `${CHANNEL}, @日本チャンネル` }).channels).toEqual([
      CHANNEL,
      '@日本チャンネル',
    ]);
  });

  it('name the bad field', () => {
    expect(() => parseSettings({ JOB_SETTINGS: JSON.stringify({ channels: ['UCshort'], quotaBudget: 0 }) })).toThrow(
      /JOB_SETTINGS\.channels\.0: a channel id .*JOB_SETTINGS\.quotaBudget/,
    );
    expect(() => parseSettings({ YOUTUBE_CHANNELS: 'nope' })).toThrow(/YOUTUBE_CHANNELS\.0: a channel id/);
  });

  it('refuse a payload with both channels and replay_run, or an unknown field', () => {
    expect(() => parsePayload(youtubeSyncPayload, { channels: [CHANNEL], replay_run: 'r1' })).toThrow(
      /payload\.replay_run: give either channels or replay_run/,
    );
    expect(() => parsePayload(youtubeSyncPayload, { channel: CHANNEL })).toThrow(/payload: Unrecognized key/);
  });
});

describe('youtube-sync quota accounting', () => {
  it('expects max(1, ceil(V/50)) pages plus ceil(V/50) video batches per channel', () => {
    const withVideos = (count: number) => ({ statistics: { videoCount: String(count) } });
    expect([0, 1, 50, 51, 123].map((count) => expectedCalls(withVideos(count)))).toEqual([1, 2, 2, 4, 6]);
  });

  it('refuses the call that would pass the budget', () => {
    const meter = new QuotaMeter(2);
    meter.charge();
    meter.charge();
    expect(() => meter.charge()).toThrow(QuotaBudgetReached);
    expect(meter.spent).toBe(2);
  });

  it('retries server errors, 429 and rate limits but not quota or key errors', () => {
    const apiError = (status: number, reason: string) =>
      toYoutubeApiError({ response: { status, data: { error: { errors: [{ reason }] } } } });
    expect(isTransient(apiError(503, 'backendError'))).toBe(true);
    expect(isTransient(apiError(429, 'rateLimitExceeded'))).toBe(true);
    expect(isTransient(apiError(403, 'userRateLimitExceeded'))).toBe(true);
    expect(isTransient(toYoutubeApiError({ code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(apiError(403, 'quotaExceeded'))).toBe(false);
    expect(isTransient(apiError(400, 'keyInvalid'))).toBe(false);
  });

  it('reads the key error of the current API shape (API_KEY_INVALID in details) as keyInvalid', () => {
    const error = toYoutubeApiError({
      response: {
        status: 400,
        data: {
          error: {
            message: 'API key not valid.',
            errors: [{ reason: 'badRequest' }],
            details: [{ reason: 'API_KEY_INVALID' }],
          },
        },
      },
    });
    expect(error.reason).toBe('keyInvalid');
  });
});
