import { mapWithConcurrency } from '#shared/map-with-concurrency';
import { sliceRanges } from './jst-day';
import type { DailyParquetPorts } from './ports';
import { publishPartition } from './publish-partition';
import type { DailyParquetSettings } from './settings';
import { writeSlice } from './write-slice';

export interface TenantResult {
  tenant: string;
  status: 'success' | 'failed';
  rows: number;
  files: number;
  invalidValues: number;
  error?: string;
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

export interface TenantDayRequest {
  tenant: string;
  targetDate: string;
  runId: string;
  settings: DailyParquetSettings;
  now: () => Date;
}

/** A whole tenant-day in this invocation: its time slices in parallel, then one switch of the partition. */
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
  if (failure && 'error' in failure) {
    await ports.sink.deleteKeys(slices.flatMap((slice) => slice.parts.map((part) => part.key))).catch(() => undefined);
    return failedTenant(tenant, failure.error, invalidValues);
  }
  const manifest = await publishPartition(ports.sink, {
    tenant,
    targetDate,
    runId,
    staged: slices.flatMap((slice) => slice.parts),
    invalidValues,
    now: request.now(),
  });
  return { tenant, status: 'success', rows: manifest.rows, files: manifest.files.length, invalidValues };
}
