import { z } from 'zod';
import type { JobContext, JobResult } from '#shared/job-runner';
import { mapWithConcurrency } from '#shared/map-with-concurrency';
import {
  chooseTargetDate,
  dailyParquetPayload,
  defineDailyParquetJob,
  summariseTenants,
  sweepAfterRun,
} from './daily-parquet-job';
import { sliceRanges } from './jst-day';
import { sliceResultKey } from './partition-keys';
import type { DailyParquetPorts } from './ports';
import { publishPartition } from './publish-partition';
import { type DailyParquetSettings, parseSettings } from './settings';
import { type SliceResult, writeSlice } from './write-slice';
import { failedTenant, publishedTenant, type TenantResult } from './write-tenant-day';

/**
 * The steps of the scale-out state machine (config dailyParquet.scaleOut): `plan` lists the
 * tenant × time-slice items, each `slice` item writes its staged parts and leaves its result in
 * S3, and `publish` switches every tenant whose slices all succeeded, as the whole-day run does.
 * Every step is one invocation of the same function running the same core.
 */

const tenantId = z.string().regex(/^[A-Za-z0-9_-]+$/);
const planStep = z.strictObject({ step: z.literal('plan'), input: dailyParquetPayload, run_id: z.string().min(1) });
const sliceItem = z.strictObject({
  step: z.literal('slice'),
  run_id: z.string().min(1),
  target_date: z.string(),
  tenant: tenantId,
  slice: z.number().int().min(0),
  slices: z.number().int().min(1).max(96),
});
const publishStep = z.strictObject({
  step: z.literal('publish'),
  run_id: z.string().min(1),
  target_date: z.string(),
  tenants: z.array(tenantId).min(1),
  slices: z.number().int().min(1).max(96),
});
export type SliceItem = z.infer<typeof sliceItem>;
export type PublishStep = z.infer<typeof publishStep>;

export function isScaleOutStep(event: unknown): event is { step: string } {
  return typeof event === 'object' && event !== null && 'step' in event;
}

export interface PlanOutput {
  run_id: string;
  target_date: string;
  tenants: string[];
  slices: number;
  items: SliceItem[];
}

export function planRun(raw: unknown, settings: DailyParquetSettings, slices: number, now: Date): PlanOutput {
  const { input, run_id } = planStep.parse(raw);
  const target_date = chooseTargetDate(input, now, settings.targetDateOffset);
  const tenants = input.tenants ?? settings.tenants;
  const items = tenants.flatMap((tenant) =>
    Array.from({ length: slices }, (_, slice) => ({
      step: 'slice' as const,
      run_id,
      target_date,
      tenant,
      slice,
      slices,
    })),
  );
  return { run_id, target_date, tenants, slices, items };
}

type StoredSlice = (SliceResult & { status: 'success' }) | { status: 'failed'; error: string };

/** Writes one slice and records its result where `publish` looks; a failure is recorded too, then rethrown. */
export async function runSliceItem(raw: unknown, settings: DailyParquetSettings, ports: DailyParquetPorts) {
  const item = sliceItem.parse(raw);
  const range = sliceRanges(item.target_date, item.slices)[item.slice];
  if (!range) throw new Error(`slice ${item.slice} is outside 0-${item.slices - 1}`);
  const resultKey = sliceResultKey(item.tenant, item.target_date, item.run_id, item.slice);
  try {
    const result = await writeSlice(
      {
        tenant: item.tenant,
        targetDate: item.target_date,
        runId: item.run_id,
        range,
        keyAttributes: settings.keyAttributes,
        rowGroupRows: settings.rowGroupRows,
        maxRowsPerFile: settings.maxRowsPerFile,
      },
      ports,
    );
    const stored: StoredSlice = { status: 'success', ...result };
    await ports.sink.putText(resultKey, JSON.stringify(stored), 'application/json');
    return { tenant: item.tenant, slice: item.slice, rows: result.rows, files: result.parts.length };
  } catch (error) {
    const stored: StoredSlice = { status: 'failed', error: (error as Error).message };
    await ports.sink.putText(resultKey, JSON.stringify(stored), 'application/json').catch(() => undefined);
    throw error;
  }
}

async function publishTenant(
  step: PublishStep,
  tenant: string,
  ports: DailyParquetPorts,
  now: Date,
): Promise<TenantResult> {
  const stored = await Promise.all(
    Array.from({ length: step.slices }, async (_, slice) => {
      const text = await ports.sink.getText(sliceResultKey(tenant, step.target_date, step.run_id, slice));
      return text
        ? (JSON.parse(text) as StoredSlice)
        : ({ status: 'failed', error: `slice ${slice} left no result` } as const);
    }),
  );
  const done = stored.flatMap((slice) => (slice.status === 'success' ? [slice] : []));
  const invalidValues = done.reduce((sum, slice) => sum + slice.invalidValues, 0);
  const resultKeys = stored.map((_, slice) => sliceResultKey(tenant, step.target_date, step.run_id, slice));
  const failed = stored.find((slice) => slice.status === 'failed');
  if (failed && failed.status === 'failed') {
    await ports.sink.deleteKeys([...done.flatMap((slice) => slice.parts.map((part) => part.key)), ...resultKeys]);
    return failedTenant(tenant, new Error(failed.error), invalidValues);
  }
  const published = await publishPartition(ports.sink, {
    tenant,
    targetDate: step.target_date,
    runId: step.run_id,
    staged: done.flatMap((slice) => slice.parts),
    invalidValues,
    now,
  });
  // Staging: a left-over result is expired by the staging lifecycle rule.
  await ports.sink.deleteKeys(resultKeys).catch(() => undefined);
  return publishedTenant(tenant, published);
}

export async function publishRun(
  step: PublishStep,
  context: JobContext,
  settings: DailyParquetSettings,
  ports: DailyParquetPorts,
): Promise<JobResult> {
  const results = await mapWithConcurrency(step.tenants, settings.tenantConcurrency, (tenant) =>
    publishTenant(step, tenant, ports, context.now()).catch((error: Error) => failedTenant(tenant, error)),
  );
  await sweepAfterRun(ports, context);
  return summariseTenants(step.target_date, results);
}

/** The summary step as a runner job: it records the run's outcome under daily-parquet, like a whole-day run. */
export const createPublishJob = (
  portsFor: (settings: DailyParquetSettings) => DailyParquetPorts,
  env: NodeJS.ProcessEnv = process.env,
) => defineDailyParquetJob(publishStep, publishRun, portsFor, env);

/** `plan` and `slice` answer the state machine directly; `publish` goes through the runner (outcome, metrics). */
export function createScaleOutStepHandler(
  portsFor: (settings: DailyParquetSettings) => DailyParquetPorts,
  publish: (event: unknown) => Promise<unknown>,
  env: NodeJS.ProcessEnv = process.env,
) {
  return async (event: { step: string }): Promise<unknown> => {
    const settings = parseSettings(env);
    if (event.step === 'plan') return planRun(event, settings, Number(env.SCALE_OUT_SLICES ?? 8), new Date());
    if (event.step === 'slice') return runSliceItem(event, settings, portsFor(settings));
    if (event.step === 'publish') return publish(event);
    throw new Error(`payload.step: unknown step "${event.step}" (plan, slice or publish)`);
  };
}
