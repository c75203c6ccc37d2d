/**
 * Retries an operation with exponential backoff, within a deadline: for calls to outside systems
 * (FTP servers, HTTP endpoints) whose transient failures are worth another attempt.
 */

export interface RetryOptions {
  /** Attempts in total, the first one included. */
  attempts: number;
  /** Delay before the second attempt; doubled for each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Errors another attempt may cure (network, 4xx FTP replies); any other error ends the loop at once. */
  isRetryable(error: unknown): boolean;
  /** Time left for the whole operation, e.g. the Lambda's remaining time. @default Infinity */
  remainingMs?: () => number;
  /** No retry starts unless this much time is left after its delay. @default 0 */
  minAttemptMs?: number;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** 0..1; each delay is scaled into [delay/2, delay] so parallel callers spread out. @default Math.random */
  random?: () => number;
  /** Called before each wait, e.g. to log the error that caused it. */
  onRetry?: (event: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The delay before attempt `attempt + 1`, before jitter. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
}

/** Runs `operation(attempt)` until it succeeds; rethrows the last error when retrying cannot help or time is up. */
export async function retryWithBackoff<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const remainingMs = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const delayMs = Math.round(backoffDelay(attempt, options.baseDelayMs, options.maxDelayMs) * (0.5 + random() / 2));
      const timeLeft = remainingMs() - delayMs - (options.minAttemptMs ?? 0);
      if (attempt >= options.attempts || !options.isRetryable(error) || timeLeft <= 0) throw error;
      options.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs);
    }
  }
}
