import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '#shared/metrics';
import { type RetryOptions, retryWithBackoff } from '#shared/retry-with-backoff';
import { type YoutubeApi, YoutubeApiError } from './youtube-api';

/**
 * Quota accounting: every request youtube-sync makes costs 1 unit (channels, playlistItems and videos
 * list), failed ones included, as the API bills them. A run never spends past its budget: a call that
 * would is refused with QuotaBudgetReached before it is sent.
 */

export const UNITS_PER_CALL = 1;

export class QuotaBudgetReached extends Error {
  override name = 'QuotaBudgetReached';
}

export class QuotaMeter {
  spent = 0;
  private reserved = 0;

  constructor(readonly budget: number) {}

  /** Sets aside the units a channel is expected to need; false when they no longer fit in the budget. */
  reserve(units: number): boolean {
    if (this.spent + this.reserved + units > this.budget) return false;
    this.reserved += units;
    return true;
  }

  release(units: number): void {
    this.reserved = Math.max(0, this.reserved - units);
  }

  charge(): void {
    if (this.spent + UNITS_PER_CALL > this.budget) {
      throw new QuotaBudgetReached(`the run's quota budget of ${this.budget} units is spent`);
    }
    this.spent += UNITS_PER_CALL;
  }
}

/** The API's own quota is gone for the day: nothing to gain from another call. */
export function isQuotaExhausted(error: unknown): boolean {
  return error instanceof YoutubeApiError && ['quotaExceeded', 'dailyLimitExceeded'].includes(error.reason);
}

export function isKeyInvalid(error: unknown): boolean {
  return error instanceof YoutubeApiError && ['keyInvalid', 'keyExpired'].includes(error.reason);
}

/** 5xx, 429, per-second rate limits and network errors are worth another attempt. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof YoutubeApiError)) return false;
  if (error.status === 0 || error.status >= 500 || error.status === 429) return true;
  return error.status === 403 && ['rateLimitExceeded', 'userRateLimitExceeded'].includes(error.reason);
}

export type CallRetry = Omit<RetryOptions, 'isRetryable' | 'onRetry'> & {
  onRetry?: (event: { method: string; attempt: number; delayMs: number; error: unknown }) => void;
};

/** The API with every attempt charged to the meter and transient failures retried within the run's time. */
export function meteredApi(api: YoutubeApi, meter: QuotaMeter, retry: CallRetry): YoutubeApi {
  const metered =
    <Args extends unknown[], Result>(method: string, send: (...args: Args) => Promise<Result>) =>
    (...args: Args): Promise<Result> =>
      retryWithBackoff(
        () => {
          meter.charge();
          return send(...args);
        },
        {
          ...retry,
          isRetryable: isTransient,
          onRetry: (event) => retry.onRetry?.({ method, ...event }),
        },
      );
  return {
    listChannels: metered('channels.list', (query: Parameters<YoutubeApi['listChannels']>[0]) =>
      api.listChannels(query),
    ),
    listPlaylistPage: metered('playlistItems.list', (playlistId: string, pageToken?: string) =>
      api.listPlaylistPage(playlistId, pageToken),
    ),
    listVideos: metered('videos.list', (ids: string[]) => api.listVideos(ids)),
  };
}

/** The units a run spent, as the YouTubeQuotaUnits metric (dimension job), next to the runner's metrics. */
export function publishQuotaUnits(jobId: string, units: number): void {
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: METRICS_SERVICE,
    defaultDimensions: { job: jobId },
  });
  metrics.addMetric('YouTubeQuotaUnits', MetricUnit.Count, units);
  metrics.publishStoredMetrics();
}
