import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import type pg from 'pg';
import { errorMessage } from '#shared/error-message';
import { retryWithBackoff } from '#shared/retry-with-backoff';
import { createCsvEncoder } from './encode-csv';
import { previousFileName, renderFileName, temporaryFileName } from './file-name';
import { type FtpTarget, resolveFtpTarget } from './ftp-target';
import type { CsvRenderOptions } from './render-csv';
import type { RecipientSettings, RetrySettings } from './settings';
import {
  checkSourceQuery,
  copyStatement,
  describeSourceTable,
  planSource,
  rangeConditions,
  readOnly,
  SourceError,
  type SourcePlan,
  sourceQueryError,
  upperBoundQuery,
  type WatermarkRange,
} from './source-query';
import { type CsvStream, streamCsv } from './stream-csv';
import { connectFtp, type FtpClient, isRetryableFtpError, removeTemporaryFile, uploadVerified } from './upload-ftps';
import { findSlotRecord, latestSlotRecord, lockRecipient, saveSlotExport } from './watermark-store';

/** What ftp-export needs from the outside world; the handler passes real ones, tests their own. */
export interface FtpExportPorts {
  /** JOB_SETTINGS, FTP_SECRET_NAME and FTP_HOST… are read from here at each run. */
  env: NodeJS.ProcessEnv;
  /** A connected PostgreSQL client; the export ends it. */
  connectDatabase(): Promise<pg.Client>;
  createFtpClient(timeoutMs: number): FtpClient;
  readSecret(name: string): Promise<unknown>;
  sleep(ms: number): Promise<void>;
  /** 0..1, for backoff jitter. */
  random(): number;
  /** Where dry runs write their CSV files. */
  dryRunDir: string;
}

export interface RecipientRun {
  slot: Date;
  /** The run's clock: a time watermark never moves past it (a slot may start a little after it). */
  now: Date;
  dryRun: boolean;
  /** Makes this run's temporary file names unique. */
  runToken: string;
  retry: RetrySettings;
  ftpTimeoutMs: number;
  remainingMs: () => number;
  logger: Logger;
}

export type RecipientStatus = 'uploaded' | 'skipped' | 'dry-run' | 'failed';

export interface RecipientResult {
  name: string;
  file: string;
  rows: number;
  bytes: number;
  status: RecipientStatus;
  /** FTP attempts made (uploads only). */
  attempts?: number;
  /** Incremental mode: the watermark range sent, (lower, upper]. */
  range?: WatermarkRange;
  /** Dry runs: the local file written. */
  path?: string;
  /** Characters Shift_JIS could not hold, written as the replacement character. */
  replacedCharacters?: number;
  error?: string;
}

/** No retry starts unless this much time would be left for it: an attempt streams the whole result. */
const MIN_ATTEMPT_MS = 10_000;
/** Longest wait for another run's lock on the same recipient. */
const MAX_LOCK_WAIT_MS = 30_000;

/** Exports one recipient's file; never throws: a failure is the result's `error`, so others carry on. */
export async function exportRecipient(
  recipient: RecipientSettings,
  run: RecipientRun,
  ports: FtpExportPorts,
): Promise<RecipientResult> {
  const file = renderFileName(recipient.fileName, run.slot, recipient.name);
  const result: RecipientResult = { name: recipient.name, file, rows: 0, bytes: 0, status: 'failed' };
  const progress = { attempts: 0 };
  let control: pg.Client | undefined;
  try {
    control = await ports.connectDatabase();
    // An idle client's connection can drop (database restart); that must end this export, not the process.
    control.on('error', () => undefined);
    const plan = planSource(control, await describeSourceTable(control, recipient.table), recipient);
    if (plan.watermark && !run.dryRun) {
      await lockRecipient(control, recipient.name, Math.min(MAX_LOCK_WAIT_MS, run.remainingMs() / 4));
    }
    const range = plan.watermark ? await planRange(control, plan, recipient, run) : undefined;
    if (range) result.range = range;
    const rangeFilter = range ? rangeConditions(control, plan, range) : [];
    await checkSourceQuery(control, plan, recipient, rangeFilter);
    const statement = copyStatement(plan, rangeFilter);
    const open = () => streamCsv(ports.connectDatabase, statement, renderOptions(plan, recipient));

    if (run.dryRun) {
      Object.assign(result, await writeDryRun(open, path.join(ports.dryRunDir, recipient.name, file)), {
        status: 'dry-run',
      });
      return result;
    }
    const target = await resolveFtpTarget(recipient, ports.env, ports.readSecret);
    const sent = await uploadWithRetries(open, target, recipient, file, run, ports, progress);
    Object.assign(result, sent);
    if (sent.status === 'uploaded' && range) {
      try {
        await saveSlotExport(control, { recipient: recipient.name, slot: run.slot, ...range, fileName: file, ...sent });
      } catch (error) {
        throw new Error(
          `${file} was uploaded, but its watermark was not saved: the next run sends its rows again (${errorMessage(error)})`,
        );
      }
    }
    return result;
  } catch (error) {
    result.status = 'failed';
    result.error = errorMessage(error);
    if (progress.attempts > 0) result.attempts = progress.attempts;
    return result;
  } finally {
    await control?.end().catch(() => undefined);
  }
}

/**
 * The range of an incremental export: the one a re-run slot was sent with, else from the recipient's
 * watermark up to the newest row (for time columns: not after the slot, nor the run's clock). A slot older than the last
 * exported one gets an empty range: its rows went out with a later slot already.
 */
async function planRange(control: pg.Client, plan: SourcePlan, recipient: RecipientSettings, run: RecipientRun) {
  const { slot, now } = run;
  const recorded = await findSlotRecord(control, recipient.name, slot);
  if (recorded) return { lower: recorded.lower, upper: recorded.upper };
  // A slot recorded after the clock (by a run before future times were refused) would stop every export.
  const latest = await latestSlotRecord(control, recipient.name, new Date(Math.max(now.getTime(), slot.getTime())));
  const lower = latest?.upper ?? null;
  if (latest && latest.slot.getTime() > slot.getTime()) return { lower, upper: lower };
  try {
    const { rows } = await readOnly(control, () =>
      control.query<{ upper: string | null }>(
        upperBoundQuery(control, plan, lower, new Date(Math.min(slot.getTime(), now.getTime()))),
      ),
    );
    return { lower, upper: rows[0].upper ?? lower };
  } catch (error) {
    if (lower !== null && ['22P02', '22007', '22008', '22003'].includes((error as { code?: string }).code ?? '')) {
      throw new SourceError(
        `${recipient.settingsPath}.watermarkColumn: the stored watermark "${lower}" does not fit column ` +
          `${recipient.watermarkColumn}; if the column changed, delete the recipient's rows from nightshift_export_watermarks`,
      );
    }
    throw sourceQueryError(error, recipient);
  }
}

function renderOptions(plan: SourcePlan, recipient: RecipientSettings): CsvRenderOptions {
  const headers = plan.columns.map((column) => column.header);
  const { replacementCharacter } = recipient;
  return {
    headers,
    kinds: plan.kinds,
    neutraliseFormulas: recipient.neutraliseFormulas,
    lineEnding: recipient.lineEnding,
    encoder: createCsvEncoder(recipient.encoding, {
      headers,
      ...(replacementCharacter !== undefined ? { replacementCharacter } : {}),
    }),
  };
}

function counts({ csv }: CsvStream) {
  return {
    rows: csv.rows,
    bytes: csv.bytes,
    ...(csv.replacedCharacters > 0 ? { replacedCharacters: csv.replacedCharacters } : {}),
  };
}

async function writeDryRun(open: () => Promise<CsvStream>, file: string) {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.part`;
  const stream = await open();
  try {
    await pipeline(stream.csv, createWriteStream(partial));
    await stream.finished;
    await rename(partial, file);
    return { ...counts(stream), path: file };
  } catch (error) {
    await rm(partial, { force: true });
    throw stream.failure() ?? error;
  } finally {
    await stream.close();
  }
}

async function uploadWithRetries(
  open: () => Promise<CsvStream>,
  target: FtpTarget,
  recipient: RecipientSettings,
  file: string,
  run: RecipientRun,
  ports: FtpExportPorts,
  progress: { attempts: number },
): Promise<
  Pick<RecipientResult, 'rows' | 'bytes' | 'attempts' | 'replacedCharacters'> & { status: 'uploaded' | 'skipped' }
> {
  let uploadStarted = false;
  const temporaryName = temporaryFileName(file, run.runToken);
  return retryWithBackoff(
    async (attempts) => {
      progress.attempts = attempts;
      const stream = await open();
      try {
        if (recipient.emptyResult === 'skip' && !(await stream.csv.hasRows)) {
          const failure = stream.failure();
          if (failure) throw failure;
          return { rows: 0, bytes: 0, attempts, status: 'skipped' as const };
        }
        const client = ports.createFtpClient(run.ftpTimeoutMs);
        try {
          await connectFtp(client, target);
          uploadStarted = true;
          await uploadVerified(client, {
            remoteDir: target.remoteDir,
            fileName: file,
            temporaryName,
            previousName: previousFileName(file, run.runToken),
            source: stream.csv,
            bytesSent: () => stream.csv.bytes,
            sourceFailure: stream.failure,
          });
        } finally {
          client.close();
        }
        await stream.finished;
        return { ...counts(stream), attempts, status: 'uploaded' as const };
      } finally {
        await stream.close();
      }
    },
    {
      ...run.retry,
      isRetryable: isRetryableFtpError,
      remainingMs: run.remainingMs,
      minAttemptMs: MIN_ATTEMPT_MS,
      sleep: ports.sleep,
      random: ports.random,
      onRetry: ({ attempt, delayMs, error }) =>
        run.logger.warn('ftp-export upload failed, retrying', {
          recipient: recipient.name,
          attempt,
          delayMs,
          error: errorMessage(error),
        }),
    },
  ).catch(async (error: unknown) => {
    if (uploadStarted) await removeTemporaryFile(ports.createFtpClient(run.ftpTimeoutMs), target, temporaryName);
    const message = errorMessage(error);
    const { attempts } = progress;
    throw new Error(attempts > 1 ? `${message} (after ${attempts} attempts)` : message, { cause: error });
  });
}
