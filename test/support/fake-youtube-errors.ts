import type { FakeFailure } from './fake-youtube';

/** The fake YouTube API's errors, shaped as the API reference shows them: `{ error: { code, message, errors: [{ reason }] } }`. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly domain = 'global',
  ) {
    super(message);
  }
}

export function keyInvalid(): ApiError {
  return new ApiError(400, 'keyInvalid', 'API key not valid. Please pass a valid API key.', 'usageLimits');
}

export function quotaExceeded(): ApiError {
  return new ApiError(
    403,
    'quotaExceeded',
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
    'youtube.quota',
  );
}

export function injected(failure: FakeFailure): ApiError {
  const status = failure.status as number;
  if (failure.reason === 'quotaExceeded') return quotaExceeded();
  if (failure.reason === 'dailyLimitExceeded')
    return new ApiError(403, 'dailyLimitExceeded', 'Daily Limit Exceeded.', 'usageLimits');
  if (failure.reason === 'keyInvalid') return keyInvalid();
  const reason = failure.reason ?? (status >= 500 ? 'backendError' : 'rateLimitExceeded');
  return new ApiError(status, reason, status >= 500 ? 'Internal error encountered.' : 'Rate limit exceeded.');
}

export function errorBody(error: ApiError): object {
  return {
    error: {
      code: error.status,
      message: error.message,
      errors: [{ message: error.message, domain: error.domain, reason: error.reason }],
      ...(error.reason === 'keyInvalid'
        ? {
            status: 'INVALID_ARGUMENT',
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason: 'API_KEY_INVALID',
                domain: 'googleapis.com',
              },
            ],
          }
        : {}),
    },
  };
}
