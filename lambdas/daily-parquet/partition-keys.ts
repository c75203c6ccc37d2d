import { MESSAGES_PREFIX, MESSAGES_STAGING_PREFIX } from '../../contracts/analytics-messages';

/** Object keys of one tenant-day: the partition Athena reads, and a run's staging area outside it. */
export const partitionPrefix = (tenant: string, targetDate: string) =>
  `${MESSAGES_PREFIX}/tenant_id=${tenant}/dt=${targetDate}/`;

export const manifestKey = (tenant: string, targetDate: string) =>
  `${partitionPrefix(tenant, targetDate)}_manifest.json`;

export const partKey = (tenant: string, targetDate: string, index: number) =>
  `${partitionPrefix(tenant, targetDate)}part-${String(index).padStart(5, '0')}.parquet`;

export const stagingPrefix = (tenant: string, targetDate: string, runId: string) =>
  `${MESSAGES_STAGING_PREFIX}/tenant_id=${tenant}/dt=${targetDate}/run=${runId}/`;

export const stagedPartKey = (tenant: string, targetDate: string, runId: string, slice: number, part: number) =>
  `${stagingPrefix(tenant, targetDate, runId)}slice-${String(slice).padStart(5, '0')}-${String(part).padStart(5, '0')}.parquet`;

/** Where a scale-out slice leaves its result for the summary step. */
export const sliceResultKey = (tenant: string, targetDate: string, runId: string, slice: number) =>
  `${stagingPrefix(tenant, targetDate, runId)}slice-${String(slice).padStart(5, '0')}.json`;
