import { mapWithConcurrency } from '#shared/map-with-concurrency';
import { sliceRanges } from './jst-day';
import type { DailyParquetPorts } from './ports';
import { type PublishResult, publishPartition } from './publish-partition';
import type { DailyParquetSettings } from './settings';
import { writeSlice } from './write-slice';

export interface TenantResult {
  tenant: string;
  status: 'success' | 'failed';
  rows: number;
  files: number;
  invalidValues: number;
  error?: string;
  /** Published, but a clean-up step after the switch failed (garbage stays until a later sweep). */
  cleanupError?: string;
}

/** A tenant that wrote nothing: its error, and zeros. */
export const failedTenant = (tenant: string, error: Error, invalidValues = 0): TenantResult => ({
  tenant,
  status: 'failed',
  rows: 0,
  files: 0,
  invalidValues,
  error: error.message,
});

/** A tenant whose partition now shows this run. */
export const publishedTenant = (tenant: string, { manifest, cleanupError }: PublishResult): TenantResult => ({
  tenant,
  status: 'success',
  rows: manifest.rows,
  files: manifest.files.length,
  invalidValues: manifest.invalid_values,
  ...(cleanupError ? { cleanupError } : {}),
});

export interface TenantDayRequest {
  tenant: string;
  targetDate: string;
  runId: string;
  settings: DailyParquetSettings;
  now: () => Date;
}

/** A whole tenant-day in this invocation: its time slices in parallel, then one switch of the partition (publish-partition.ts). */
export async function writeTenantDay(request: TenantDayRequest, ports: DailyParquetPorts): Promise<TenantResult> {
  const { tenant, targetDate, runId, settings } = request;
  const ranges = sliceRanges(targetDate, settings.slicesPerDay);
  const settled = await mapWithConcurrency(ranges, settings.sliceConcurrency, (range) =>
    writeSlice(
      {
        tenant,
        targetDate,
        runId,
        range,
        keyAttributes: settings.keyAttributes,
        rowGroupRows: settings.rowGroupRows,
        maxRowsPerFile: settings.maxRowsPerFile,
      },
      ports,
    ).then(
      (result) => ({ result }),
      (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
    ),
  );
  const failure = settled.find((slice) => 'error' in slice);
  const slices = settled.flatMap((slice) => ('result' in slice ? [slice.result] : []));
  const invalidValues = slices.reduce((sum, slice) => sum + slice.invalidValues, 0);
  const staged = slices.flatMap((slice) => slice.parts);
  // Staging is outside what readers follow; removing it is tidiness (a lifecycle rule backs it up on AWS).
  const dropStaged = () => ports.sink.deleteKeys(staged.map((part) => part.key)).catch(() => undefined);
  if (failure && 'error' in failure) {
    await dropStaged();
    return failedTenant(tenant, failure.error, invalidValues);
  }
  try {
    const published = await publishPartition(ports.sink, {
      tenant,
      targetDate,
      runId,
      staged,
      invalidValues,
      now: request.now(),
    });
    return publishedTenant(tenant, published);
  } catch (error) {
    await dropStaged();
    return failedTenant(tenant, error as Error, invalidValues);
  }
}
