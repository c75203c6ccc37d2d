import { FTPError } from 'basic-ftp';
import { FtpStepError, isRetryableFtpError } from '../../lambdas/ftp-export/upload-ftps';
import { retryWithBackoff } from '../../lambdas/shared/retry-with-backoff';

function failingTimes(times: number, error: Error) {
  let calls = 0;
  return async () => {
    calls++;
    if (calls <= times) throw error;
    return calls;
  };
}

describe('retryWithBackoff', () => {
  const base = { baseDelayMs: 100, maxDelayMs: 250, isRetryable: () => true, random: () => 1 };

  it('retries with doubling delays up to the maximum, then succeeds', async () => {
    const delays: number[] = [];

    const calls = await retryWithBackoff(failingTimes(3, new Error('busy')), {
      ...base,
      attempts: 4,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });

    expect(calls).toBe(4);
    expect(delays).toEqual([100, 200, 250]);
  });

  it('gives up after the last attempt with the last error', async () => {
    await expect(
      retryWithBackoff(failingTimes(5, new Error('still busy')), { ...base, attempts: 2, sleep: async () => {} }),
    ).rejects.toThrow('still busy');
  });

  it('does not retry an error that is not retryable', async () => {
    const operation = jest.fn(failingTimes(1, new Error('530 Login incorrect')));

    await expect(
      retryWithBackoff(operation, { ...base, attempts: 5, isRetryable: () => false, sleep: async () => {} }),
    ).rejects.toThrow('530');
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('does not start a retry the remaining time cannot fit', async () => {
    const operation = jest.fn(failingTimes(1, new Error('busy')));

    await expect(
      retryWithBackoff(operation, {
        ...base,
        attempts: 5,
        remainingMs: () => 5_000,
        minAttemptMs: 10_000,
        sleep: async () => {},
      }),
    ).rejects.toThrow('busy');
    expect(operation).toHaveBeenCalledTimes(1);
  });
});

describe('isRetryableFtpError', () => {
  it('retries 4xx replies and dropped connections', () => {
    expect(isRetryableFtpError(new FTPError({ code: 421, message: '421 Too many users' }))).toBe(true);
    expect(isRetryableFtpError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableFtpError(new Error('Timeout (data socket)'))).toBe(true);
  });

  it('fails fast on 5xx replies and certificate errors', () => {
    expect(isRetryableFtpError(new FTPError({ code: 530, message: '530 Login incorrect' }))).toBe(false);
    expect(isRetryableFtpError(new FTPError({ code: 553, message: '553 Not allowed' }))).toBe(false);
    expect(isRetryableFtpError(Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toBe(
      false,
    );
  });

  it('follows the verdict of an error that already carries one', () => {
    expect(isRetryableFtpError(new FtpStepError('incomplete upload', true))).toBe(true);
  });
});
