import {
  MESSAGES_CURRENT_PREFIX,
  MESSAGES_RETIRED_PREFIX,
  MESSAGES_RUNS_PREFIX,
  MESSAGES_STAGING_PREFIX,
  MESSAGES_SYMLINK_NAME,
} from '../../contracts/analytics-messages';

/**
 * Object keys of one tenant-day: the symlink file readers follow, each run's own files, a run's
 * staging area, and the marks of retired runs (layout in contracts/analytics-messages.ts).
 */
const partition = (tenant: string, targetDate: string) => `tenant_id=${tenant}/dt=${targetDate}/`;

/** The one object whose replacement switches readers to a new run. */
export const symlinkKey = (tenant: string, targetDate: string) =>
  `${MESSAGES_CURRENT_PREFIX}/${partition(tenant, targetDate)}${MESSAGES_SYMLINK_NAME}`;

export const partitionRunsPrefix = (tenant: string, targetDate: string) =>
  `${MESSAGES_RUNS_PREFIX}/${partition(tenant, targetDate)}`;

export const runPrefix = (tenant: string, targetDate: string, runId: string) =>
  `${partitionRunsPrefix(tenant, targetDate)}run=${runId}/`;

export const runPartKey = (tenant: string, targetDate: string, runId: string, index: number) =>
  `${runPrefix(tenant, targetDate, runId)}part-${String(index).padStart(5, '0')}.parquet`;

export const runManifestKey = (tenant: string, targetDate: string, runId: string) =>
  `${runPrefix(tenant, targetDate, runId)}_manifest.json`;

/** The run a key under the runs prefix belongs to, or undefined. */
export function runIdOf(key: string): string | undefined {
  return /\/run=([^/]+)\//.exec(key)?.[1];
}

export const stagingPrefix = (tenant: string, targetDate: string, runId: string) =>
  `${MESSAGES_STAGING_PREFIX}/${partition(tenant, targetDate)}run=${runId}/`;

export const stagedPartKey = (tenant: string, targetDate: string, runId: string, slice: number, part: number) =>
  `${stagingPrefix(tenant, targetDate, runId)}slice-${String(slice).padStart(5, '0')}-${String(part).padStart(5, '0')}.parquet`;

/** Where a scale-out slice leaves its result for the summary step. */
export const sliceResultKey = (tenant: string, targetDate: string, runId: string, slice: number) =>
  `${stagingPrefix(tenant, targetDate, runId)}slice-${String(slice).padStart(5, '0')}.json`;

/** A mark saying "delete this run after the grace period unless it is current", written at `at`. */
export const retiredMarkKey = (tenant: string, targetDate: string, runId: string, at: Date) =>
  `${MESSAGES_RETIRED_PREFIX}/${partition(tenant, targetDate)}run=${runId}/${at.toISOString()}`;

export interface RetiredMark {
  key: string;
  tenant: string;
  targetDate: string;
  runId: string;
  at: number;
}

export function parseRetiredMark(key: string): RetiredMark | undefined {
  const match = /\/tenant_id=([^/]+)\/dt=([^/]+)\/run=([^/]+)\/([^/]+)$/.exec(key);
  if (!match || !key.startsWith(`${MESSAGES_RETIRED_PREFIX}/`)) return undefined;
  const at = Date.parse(match[4]);
  if (Number.isNaN(at)) return undefined;
  return { key, tenant: match[1], targetDate: match[2], runId: match[3], at };
}
