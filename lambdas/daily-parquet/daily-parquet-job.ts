import { z } from 'zod';
import type { JobContext, JobDefinition, JobResult } from '#shared/job-runner';
import { jstDateOffset } from '#shared/jst-time';
import { mapWithConcurrency } from '#shared/map-with-concurrency';
import { MESSAGES_FIRST_DATE } from '../../contracts/analytics-messages';
import { parseTargetDate } from './jst-day';
import type { DailyParquetPorts } from './ports';
import { sweepRetiredRuns } from './retired-runs';
import { type DailyParquetSettings, parseSettings } from './settings';
import { failedTenant, type TenantResult, writeTenantDay } from './write-tenant-day';

/**
 * daily-parquet: at 2:00 JST, the previous JST day's messages of every tenant, DynamoDB → Parquet
 * on S3 (the original daily batch, docs/daily-parquet.md). `{"target_date": "2025-08-11"}` (re)writes that day, `{"tenants": ["a"]}` limits
 * the run to those tenants. Tenants run in parallel; one failing does not stop the others, and the
 * run fails when any did.
 */

const targetDate = z.string().superRefine((value, ctx) => {
  try {
    parseTargetDate(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return;
  }
  // YYYY-MM-DD strings compare as dates; the Glue table's partition projection starts here.
  if (value < MESSAGES_FIRST_DATE)
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is before ${MESSAGES_FIRST_DATE}, the first day the analytics table shows`,
    });
});

export const dailyParquetPayload = z.strictObject({
  target_date: targetDate.optional(),
  tenants: z
    .array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -'))
    .min(1)
    .optional(),
  /** The schedule's own time: a late or retried run still writes the day before its slot. */
  scheduled_time: z.iso.datetime({ offset: true }).optional(),
});
export type DailyParquetPayload = z.infer<typeof dailyParquetPayload>;

export const TITLE = "Daily messages → Parquet on S3 (yesterday's, per tenant)";

/** The JST date the run writes: the payload's, or the JST date of the slot (or now) plus the offset. */
export function chooseTargetDate(payload: DailyParquetPayload, now: Date, offsetDays: number): string {
  if (payload.target_date) return payload.target_date;
  const reference = payload.scheduled_time ? new Date(payload.scheduled_time) : now;
  return jstDateOffset(reference, offsetDays);
}

export function summariseTenants(targetDate: string, results: TenantResult[]): JobResult {
  const failed = results.filter((result) => result.status === 'failed');
  const rows = results.reduce((sum, result) => sum + result.rows, 0);
  const message =
    failed.length > 0
      ? `${targetDate}: ${failed.length} of ${results.length} tenants failed: ${failed.map((r) => `${r.tenant}: ${r.error}`).join('; ')}`
      : `${targetDate}: ${results.length} tenant(s), ${rows} rows`;
  return {
    rows,
    counts: {
      files: results.reduce((sum, result) => sum + result.files, 0),
      invalidValues: results.reduce((sum, result) => sum + result.invalidValues, 0),
      tenants: results.length,
      failedTenants: failed.length,
    },
    message,
    // Named as the payload field, so `ops backfill` recognises a day that already succeeded.
    details: { target_date: targetDate, tenants: results },
    failed: failed.length > 0,
  };
}

export async function runDailyParquet(
  payload: DailyParquetPayload,
  context: JobContext,
  settings: DailyParquetSettings,
  ports: DailyParquetPorts,
): Promise<JobResult> {
  const date = chooseTargetDate(payload, context.now(), settings.targetDateOffset);
  const tenants = payload.tenants ?? settings.tenants;
  context.logger.info('daily-parquet run', { targetDate: date, tenants });
  const results = await mapWithConcurrency(tenants, settings.tenantConcurrency, async (tenant) => {
    const result = await writeTenantDay(
      { tenant, targetDate: date, runId: context.runId, settings, now: context.now },
      ports,
    ).catch((error: Error) => failedTenant(tenant, error));
    if (result.status === 'failed') context.logger.error('daily-parquet tenant failed', { result });
    else if (result.cleanupError) context.logger.warn('daily-parquet tenant published, clean-up failed', { result });
    else context.logger.info('daily-parquet tenant done', { result });
    return result;
  });
  await sweepAfterRun(ports, context);
  return summariseTenants(date, results);
}

/** Deletes runs retired more than the grace period ago; a failure here fails no tenant, it is retried next run. */
export async function sweepAfterRun(ports: DailyParquetPorts, context: JobContext): Promise<void> {
  try {
    const swept = await sweepRetiredRuns(ports.sink, context.now());
    if (swept.deletedRuns > 0) context.logger.info('daily-parquet deleted retired runs', { ...swept });
  } catch (error) {
    context.logger.warn('daily-parquet could not sweep retired runs', { error: (error as Error).message });
  }
}

/**
 * A runner job named daily-parquet (the whole-day run, or the scale-out summary step): settings and
 * ports are built per run from the environment, so a bad setting fails that run with its name.
 */
export function defineDailyParquetJob<Payload>(
  payloadSchema: z.ZodType<Payload>,
  run: (
    payload: Payload,
    context: JobContext,
    settings: DailyParquetSettings,
    ports: DailyParquetPorts,
  ) => Promise<JobResult>,
  portsFor: (settings: DailyParquetSettings) => DailyParquetPorts,
  env: NodeJS.ProcessEnv = process.env,
): JobDefinition<Payload> {
  return {
    id: 'daily-parquet',
    title: TITLE,
    payloadSchema,
    run: (payload, context) => {
      const settings = parseSettings(env);
      return run(payload, context, settings, portsFor(settings));
    },
  };
}

export const createDailyParquetJob = (
  portsFor: (settings: DailyParquetSettings) => DailyParquetPorts,
  env: NodeJS.ProcessEnv = process.env,
): JobDefinition<DailyParquetPayload> => ({
  ...defineDailyParquetJob(dailyParquetPayload, runDailyParquet, portsFor, env),
  // The day a run writes is its slot (00:00 JST of it): a re-run of an older day never hides the newest day's outcome.
  describeRun: (payload, now) => ({
    slot: new Date(`${chooseTargetDate(payload, now, parseSettings(env).targetDateOffset)}T00:00:00+09:00`),
    slotRequested: payload.target_date !== undefined,
    dryRun: false,
  }),
});
