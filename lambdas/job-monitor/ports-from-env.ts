import { createDocumentClient } from '#shared/aws-clients';
import { JobForgetter } from '#shared/job-forget';
import { JobMuteStore } from '#shared/job-mutes';
import { DEFAULT_HISTORY_TTL_DAYS, JobStatusStore } from '#shared/job-status-store';
import { createLogger } from '#shared/logger';
import { MonitorMetric, publishMonitorCount } from '#shared/monitor-metrics';
import { requireEnv } from '#shared/secrets';
import { credentialsFromEnv } from './credentials';
import { pageSettingsFromEnv } from './job-actions';
import type { MonitorApiDeps } from './monitor-deps';

/** History rows live this many days unless HISTORY_TTL_DAYS says otherwise. */
function historyTtlDays(env: NodeJS.ProcessEnv): number {
  const raw = env.HISTORY_TTL_DAYS;
  if (raw === undefined || raw === '') return DEFAULT_HISTORY_TTL_DAYS;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`HISTORY_TTL_DAYS must be a whole number of days, got "${raw}"`);
  return days;
}

/**
 * The monitor API's ports from the function's environment: JOB_STATUS_TABLE (required),
 * HISTORY_TTL_DAYS, DYNAMODB_ENDPOINT / AWS_REGION, the credential settings of credentials.ts, and the
 * job page's NIGHTSHIFT_STAGE, RUNBOOK_URL and BUILT_IN_JOBS (job-actions.ts).
 */
export function monitorDepsFromEnv(env: NodeJS.ProcessEnv = process.env): MonitorApiDeps {
  const db = createDocumentClient(env);
  const tableName = requireEnv('JOB_STATUS_TABLE', env);
  const store = new JobStatusStore(db, tableName, { historyTtlDays: historyTtlDays(env) });
  const mutes = new JobMuteStore(db, tableName);
  return {
    store,
    mutes,
    forgetter: new JobForgetter(db, tableName, store, mutes),
    credentials: credentialsFromEnv(env),
    metrics: {
      jobReportedError: (jobKey) => publishMonitorCount(MonitorMetric.jobReportedError, 1, jobKey),
      jobLate: (jobKey) => publishMonitorCount(MonitorMetric.jobLate, 1, jobKey),
      jobHung: (jobKey) => publishMonitorCount(MonitorMetric.jobHung, 1, jobKey),
      lateJobs: (count) => publishMonitorCount(MonitorMetric.lateJobs, count),
    },
    logger: createLogger('nightshift-job-monitor'),
    now: () => new Date(),
    page: pageSettingsFromEnv(env),
  };
}
