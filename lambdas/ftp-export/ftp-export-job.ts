import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Client as BasicFtpClient } from 'basic-ftp';
import pg from 'pg';
import { z } from 'zod';
import { databaseConfigFromEnv } from '#shared/database';
import type { JobContext, JobDefinition, JobResult } from '#shared/job-runner';
import { mapWithConcurrency } from '#shared/map-with-concurrency';
import { sleep } from '#shared/retry-with-backoff';
import { readJsonSecret } from '#shared/secrets';
import { exportRecipient, type FtpExportPorts, type RecipientResult } from './export-recipient';
import { formatSlot, parseSlot, slotOf } from './file-name';
import { parseJobSettings, type RecipientSettings } from './settings';

/**
 * ftp-export: every 15 minutes (JST), a PostgreSQL query → CSV → FTPS upload, per configured recipient
 * (docs/ftp-export.md). `{"slot": "2025-08-11T09:15"}` re-exports a slot, `{"dry_run": true}` writes the CSV
 * locally instead of uploading, `{"recipients": ["acme"]}` limits the run to those recipients.
 */

export const ftpExportPayload = z.strictObject({
  slot: z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseSlot(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `${(error as Error).message} (a JST slot like 2025-08-11T09:15)` });
      }
    })
    .optional(),
  /** The schedule's own time (EventBridge Scheduler `<aws.scheduler.scheduled-time>`): a late or retried run keeps its slot. */
  scheduled_time: z.iso.datetime({ offset: true }).optional(),
  dry_run: z.boolean().optional(),
  recipients: z.array(z.string().min(1)).min(1).optional(),
});
export type FtpExportPayload = z.infer<typeof ftpExportPayload>;

const TITLE = 'Visitor counts: PostgreSQL → CSV → FTPS every 15 minutes';

export function defaultPorts(env: NodeJS.ProcessEnv = process.env): FtpExportPorts {
  return {
    env,
    async connectDatabase() {
      const client = new pg.Client({
        ...(await databaseConfigFromEnv(env, 'DATABASE_URL_FTP_EXPORT')),
        application_name: 'nightshift-ftp-export',
      });
      await client.connect();
      return client;
    },
    createFtpClient: (timeoutMs) => new BasicFtpClient(timeoutMs),
    readSecret: (name) => readJsonSecret(name),
    sleep,
    random: Math.random,
    dryRunDir: path.join(os.tmpdir(), 'nightshift-ftp-export'),
  };
}

/** How far a schedule's clock may run ahead of this function's before its time counts as the future. */
const SCHEDULE_CLOCK_SKEW_MS = 60_000;

/** The slot to export; never one that has not begun, which would name and record a file from the future. */
function chooseSlot(payload: FtpExportPayload, now: Date): Date {
  const current = slotOf(now);
  if (!payload.slot) {
    if (!payload.scheduled_time) return current;
    const scheduled = new Date(payload.scheduled_time);
    if (scheduled.getTime() > now.getTime() + SCHEDULE_CLOCK_SKEW_MS) {
      throw new Error(
        `payload.scheduled_time: ${payload.scheduled_time} is in the future (the current slot is ${formatSlot(current)})`,
      );
    }
    return slotOf(scheduled);
  }
  const slot = parseSlot(payload.slot);
  if (slot.getTime() > current.getTime()) {
    throw new Error(`payload.slot: ${payload.slot} is in the future (the current slot is ${formatSlot(current)})`);
  }
  return slot;
}

function chooseRecipients(all: RecipientSettings[], wanted: string[] | undefined): RecipientSettings[] {
  if (!wanted) return all;
  const known = new Set(all.map((recipient) => recipient.name));
  const unknown = wanted.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    const list = [...known].join(', ');
    throw new Error(
      `payload.recipients: unknown recipient ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${list})`,
    );
  }
  return all.filter((recipient) => wanted.includes(recipient.name));
}

function summarise(slot: string, results: RecipientResult[], dryRun: boolean): string {
  const rows = results.reduce((sum, result) => sum + result.rows, 0);
  const failed = results.filter((result) => result.status === 'failed');
  if (failed.length > 0) {
    const reasons = failed.map((result) => `${result.name}: ${result.error}`).join('; ');
    return `slot ${slot}: ${failed.length} of ${results.length} recipients failed: ${reasons}`;
  }
  const verb = dryRun ? 'written locally (dry run)' : 'exported';
  return `slot ${slot}: ${results.length} recipient(s) ${verb}, ${rows} rows`;
}

export async function runFtpExport(
  payload: FtpExportPayload,
  context: JobContext,
  ports: FtpExportPorts,
): Promise<JobResult> {
  const settings = parseJobSettings(ports.env.JOB_SETTINGS);
  const slot = chooseSlot(payload, context.now());
  const recipients = chooseRecipients(settings.recipients, payload.recipients);
  const dryRun = payload.dry_run ?? false;
  context.logger.info('ftp-export run', {
    slot: formatSlot(slot),
    dryRun,
    recipients: recipients.map((recipient) => recipient.name),
  });
  const run = {
    slot,
    now: context.now(),
    dryRun,
    runToken: randomBytes(4).toString('hex'),
    retry: settings.retry,
    ftpTimeoutMs: settings.ftpTimeoutMs,
    remainingMs: context.remainingMs,
    logger: context.logger,
  };
  const results = await mapWithConcurrency(recipients, settings.concurrency, async (recipient) => {
    const result = await exportRecipient(recipient, run, ports);
    if (result.status === 'failed') context.logger.error('ftp-export recipient failed', { result });
    else context.logger.info('ftp-export recipient done', { result });
    return result;
  });
  const slotText = formatSlot(slot);
  return {
    rows: results.reduce((sum, result) => sum + result.rows, 0),
    counts: {
      bytes: results.reduce((sum, result) => sum + result.bytes, 0),
      recipients: results.length,
      failedRecipients: results.filter((result) => result.status === 'failed').length,
    },
    message: summarise(slotText, results, dryRun),
    details: { slot: slotText, dryRun, recipients: results },
    failed: results.some((result) => result.status === 'failed'),
  };
}

/** The job as the runner sees it; ports default to the real ones and are built per run from `env`. */
export function createFtpExportJob(
  ports: () => FtpExportPorts = () => defaultPorts(),
): JobDefinition<FtpExportPayload> {
  return {
    id: 'ftp-export',
    title: TITLE,
    payloadSchema: ftpExportPayload,
    run: (payload, context) => runFtpExport(payload, context, ports()),
    // The job monitor's status follows the newest slot: a re-run of an older slot or a dry run never hides it.
    describeRun: (payload, now) => ({
      slot: chooseSlot(payload, now),
      slotRequested: payload.slot !== undefined,
      dryRun: payload.dry_run ?? false,
    }),
  };
}

export const ftpExportJob = createFtpExportJob();
