import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { LOCAL_LOG_DIR_ENV, LOCAL_LOG_FORMAT_ENV } from '../../lambdas/shared/local-mode-logger';
import { createLogger, redactSecrets } from '../../lambdas/shared/logger';

/** What the logger wrote to stdout and stderr while `run` ran. */
function capture(run: () => void): { stdout: string; stderr: string } {
  const written = { stdout: '', stderr: '' };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    written.stderr += String(chunk);
    return true;
  });
  try {
    run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return written;
}

const logSome = (logger: Logger) => {
  logger.appendKeys({ job: 'sample-job', runId: 'run-1' });
  logger.info('job finished', { status: 'success', password: 'hunter2' });
  logger.error('job failed', { reason: 'x' });
};

describe('local mode logger', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-03T00:15:00.000Z') });
    delete process.env[LOCAL_LOG_DIR_ENV];
    delete process.env[LOCAL_LOG_FORMAT_ENV];
  });
  afterEach(() => {
    jest.useRealTimers();
    process.env = { ...saved };
  });

  it('prints exactly what Powertools prints when local mode is off (Lambda)', () => {
    const ours = capture(() => logSome(createLogger('nightshift-sample-job')));
    const plain = capture(() =>
      logSome(new Logger({ serviceName: 'nightshift-sample-job', jsonReplacerFn: redactSecrets })),
    );
    expect(ours).toEqual(plain);
    expect(JSON.parse(ours.stdout)).toMatchObject({ level: 'INFO', message: 'job finished', password: '[REDACTED]' });
  });

  it('in local mode keeps JSON lines in the service file and prints one readable JST line per event', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'logs-'));
    process.env[LOCAL_LOG_DIR_ENV] = dir;

    const { stdout, stderr } = capture(() => logSome(createLogger('nightshift-sample-job')));

    expect(stdout).toBe(
      '2026-12-03 09:15:00 JST INFO  sample-job  job finished  runId=run-1  status=success  password=[REDACTED]\n',
    );
    expect(stderr).toBe('2026-12-03 09:15:00 JST ERROR sample-job  job failed  runId=run-1  reason=x\n');
    const lines = readFileSync(path.join(dir, 'nightshift-sample-job.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'job finished', job: 'sample-job', password: '[REDACTED]' }),
      expect.objectContaining({ level: 'ERROR', message: 'job failed', timestamp: '2026-12-03T00:15:00.000Z' }),
    ]);
  });

  it('shows an error as its name and message in the terminal, the stack only in the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'logs-'));
    process.env[LOCAL_LOG_DIR_ENV] = dir;

    const { stderr } = capture(() => createLogger('nightshift-sample-job').error('job failed', new TypeError('boom')));

    expect(stderr).toBe('2026-12-03 09:15:00 JST ERROR sample-job  job failed  error=TypeError: boom\n');
    const [line] = readFileSync(path.join(dir, 'nightshift-sample-job.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(line).error.stack).toMatch(/TypeError: boom\n\s+at /);
  });

  it('keeps JSON in the terminal with NIGHTSHIFT_LOG_FORMAT=json (npm start -- --json)', () => {
    process.env[LOCAL_LOG_DIR_ENV] = mkdtempSync(path.join(os.tmpdir(), 'logs-'));
    process.env[LOCAL_LOG_FORMAT_ENV] = 'json';

    const { stdout } = capture(() => createLogger('nightshift-sample-job').info('hello', { n: 1 }));

    expect(JSON.parse(stdout)).toMatchObject({ level: 'INFO', message: 'hello', n: 1 });
  });
});
