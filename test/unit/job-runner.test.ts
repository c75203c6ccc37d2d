import { runJob } from '#shared/job-runner';
import type { RunReport } from '#shared/job-status-store';
import { createLogger } from '#shared/logger';
import { sampleJob } from '../fixtures/sample-job/sample-job';

/** Captures what the Powertools logger and EMF metrics write (stdout and stderr) during one run. */
async function captureStdout<T>(act: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(chunk.toString());
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    const result = await act();
    const lines = chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { result, lines };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

function recordingStore() {
  const reports: RunReport[] = [];
  const recordRun = async (report: RunReport) => {
    reports.push(report);
    return {} as never;
  };
  return { reports, recordRun };
}

const clock = (...isoTimes: string[]) => {
  let call = 0;
  return () => new Date(isoTimes[Math.min(call++, isoTimes.length - 1)]);
};

describe('job runner', () => {
  it('runs the job with its validated payload and records a success with counts', async () => {
    const store = recordingStore();
    const { result: outcome } = await captureStdout(() =>
      runJob(
        sampleJob,
        { rows: 5 },
        { store, runId: 'run-1', now: clock('2025-08-11T15:00:00Z', '2025-08-11T15:00:02Z') },
      ),
    );
    expect(outcome).toMatchObject({
      status: 'success',
      rows: 5,
      durationMs: 2000,
      message: 'processed 5 rows for 2025-08-11',
      details: { targetDate: '2025-08-11' },
    });
    expect(store.reports).toEqual([
      expect.objectContaining({
        jobKey: 'sample-job',
        status: 'success',
        source: 'runner',
        runId: 'run-1',
        finishedAt: '2025-08-11T15:00:02.000Z',
        counts: { rows: 5 },
      }),
    ]);
  });

  it('defaults the target date from the JST clock (yesterday in Tokyo)', async () => {
    const { result } = await captureStdout(() =>
      runJob(sampleJob, {}, { store: null, now: () => new Date('2025-08-11T16:30:00Z') }),
    );
    expect(result.details).toEqual({ targetDate: '2025-08-11' });
  });

  it('rejects a bad payload with a message naming the field, and records the error', async () => {
    const store = recordingStore();
    const { result } = await captureStdout(() => runJob(sampleJob, { rows: -1, target_date: '2025-13-40' }, { store }));
    expect(result.status).toBe('error');
    expect(result.message).toMatch(/^invalid payload: payload\.target_date: .*; payload\.rows: .*>=0/);
    expect(store.reports[0]).toMatchObject({ status: 'error', message: result.message });
  });

  it('records the error message of a job that throws', async () => {
    const store = recordingStore();
    const { result } = await captureStdout(() => runJob(sampleJob, { fail_with: 'FTP refused' }, { store }));
    expect(result).toMatchObject({ status: 'error', message: 'FTP refused' });
    expect(store.reports[0].status).toBe('error');
  });

  it('keeps the job outcome when the status store is down', async () => {
    const store = { recordRun: async () => Promise.reject(new Error('dynamodb unreachable')) };
    const { result, lines } = await captureStdout(() => runJob(sampleJob, {}, { store }));
    expect(result.status).toBe('success');
    expect(lines.some((line) => String(line.message).includes('could not record the outcome'))).toBe(true);
  });

  it('emits EMF metrics per job: succeeded, failed, duration and rows', async () => {
    const { lines } = await captureStdout(() => runJob(sampleJob, { rows: 7 }, { store: null }));
    const emf = lines.find((line) => '_aws' in line) as Record<string, unknown>;
    expect(emf).toMatchObject({ job: 'sample-job', JobSucceeded: 1, JobFailed: 0, RowsProcessed: 7 });
    expect(typeof emf.JobDurationMs).toBe('number');
    expect(JSON.stringify(emf._aws)).toContain('"Namespace":"Nightshift"');
  });

  it('logs structured JSON with the job and run id, and never a secret', async () => {
    const logger = createLogger('nightshift-test');
    const { lines } = await captureStdout(() =>
      runJob(
        sampleJob,
        { rows: 1, password: 'hunter2', dsn: 'postgres://app:s3cr3t@db:5432/x', nested: { api_key: 'AIza-xyz' } },
        { store: null, logger, runId: 'run-9', publishMetrics: false },
      ),
    );
    const started = lines.find((line) => line.message === 'job started');
    expect(started).toMatchObject({ job: 'sample-job', runId: 'run-9', level: 'INFO' });
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/hunter2|s3cr3t|AIza-xyz/);
    expect(text).toContain('postgres://app:[REDACTED]@db:5432/x');
  });
});
