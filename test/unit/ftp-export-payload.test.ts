import type { FtpExportPorts } from '../../lambdas/ftp-export/export-recipient';
import { ftpExportPayload, runFtpExport } from '../../lambdas/ftp-export/ftp-export-job';
import { PayloadError, parsePayload } from '../../lambdas/shared/job-runner';
import { createLogger } from '../../lambdas/shared/logger';
import { findJob } from '../../lib/jobs';
import { schedulePayload } from '../../local/local-schedules';

/** Ports for runs that must stop before touching PostgreSQL or FTP. */
const unreachable = (): never => {
  throw new Error('the run should have stopped before using its ports');
};
const ports = (jobSettings: object = {}): FtpExportPorts => ({
  env: { JOB_SETTINGS: JSON.stringify(jobSettings) },
  connectDatabase: unreachable,
  createFtpClient: unreachable,
  readSecret: unreachable,
  sleep: unreachable,
  random: () => 1,
  dryRunDir: '/nonexistent',
});
const context = {
  jobId: 'ftp-export',
  runId: 'test',
  logger: createLogger('test'),
  now: () => new Date('2025-08-11T00:20:00Z'), // 09:20 JST
  remainingMs: () => 60_000,
};

describe('ftp-export payload', () => {
  it('accepts what its schedules send: scheduled_time as local mode and EventBridge Scheduler write it', () => {
    const spec = findJob('ftp-export')!;
    const local = schedulePayload(spec, spec.schedules[0], new Date('2025-08-11T00:15:02.345Z'));
    expect(parsePayload(ftpExportPayload, local)).toEqual({ scheduled_time: '2025-08-11T00:15:00.000Z' });
    // <aws.scheduler.scheduled-time> arrives as seconds-precision UTC.
    expect(parsePayload(ftpExportPayload, { scheduled_time: '2025-08-11T00:15:00Z' })).toEqual({
      scheduled_time: '2025-08-11T00:15:00Z',
    });
  });

  it('accepts a slot, a dry run and a list of recipients', () => {
    const payload = parsePayload(ftpExportPayload, { slot: '2025-08-11T09:15', dry_run: true, recipients: ['acme'] });

    expect(payload).toEqual({ slot: '2025-08-11T09:15', dry_run: true, recipients: ['acme'] });
  });

  it('names the field of a slot that is not on a quarter hour', () => {
    expect(() => parsePayload(ftpExportPayload, { slot: '2025-08-11T09:10' })).toThrow(
      new PayloadError(
        'invalid payload: payload.slot: "2025-08-11T09:10" is not on a quarter hour (:00, :15, :30, :45) (a JST slot like 2025-08-11T09:15)',
      ),
    );
  });

  it('rejects unknown keys such as a misspelt dry_run', () => {
    expect(() => parsePayload(ftpExportPayload, { dryrun: true })).toThrow('payload: Unrecognized key: "dryrun"');
  });

  it('refuses a slot in the future', async () => {
    await expect(runFtpExport({ slot: '2025-08-11T09:30' }, context, ports())).rejects.toThrow(
      'payload.slot: 2025-08-11T09:30 is in the future (the current slot is 2025-08-11T09:15)',
    );
  });

  it('refuses a scheduled_time in the future, as it would name and record a slot that has not come', async () => {
    await expect(runFtpExport({ scheduled_time: '2062-11-23T22:30:00Z' }, context, ports())).rejects.toThrow(
      'payload.scheduled_time: 2062-11-23T22:30:00Z is in the future (the current slot is 2025-08-11T09:15)',
    );
  });

  it('refuses a scheduled_time in a later slot than the clock, beyond a minute of clock skew', async () => {
    await expect(runFtpExport({ scheduled_time: '2025-08-11T00:31:01Z' }, context, ports())).rejects.toThrow(
      'payload.scheduled_time: 2025-08-11T00:31:01Z is in the future',
    );
  });

  it('refuses a recipient that is not configured', async () => {
    await expect(
      runFtpExport({ recipients: ['globex'] }, context, ports({ recipients: [{ name: 'acme' }] })),
    ).rejects.toThrow('payload.recipients: unknown recipient "globex" (known: acme)');
  });

  it('stops at invalid JOB_SETTINGS before connecting anywhere', async () => {
    await expect(runFtpExport({}, context, ports({ concurrency: 0 }))).rejects.toThrow(/^JOB_SETTINGS\.concurrency: /);
  });
});
