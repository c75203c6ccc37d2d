/**
 * The registry jobs as the job monitor's job page needs them (BUILT_IN_JOBS): their timeout, the payload
 * and backfill the re-run commands use, and the runbook sections of their alarms. Plain data, no aws-cdk-lib.
 */
import type { BuiltInJobInfo } from '../contracts/job-commands';
import type { JobSpec } from './job-spec';

/**
 * The anchors in docs/runbook.md of a job's on-call alarms: its errors and duration alarms (scheduled-job.ts
 * names them `<id>-<kind>`), the monitor's late alarm for it (job-monitor.ts: `job-late-<id>`) and its hung-run alarm.
 */
export function runbookAnchorsFor(jobId: string): string[] {
  return [`${jobId}-errors`, `${jobId}-duration`, `job-late-${jobId}`, 'job-hung'];
}

export function builtInJobInfos(jobs: readonly JobSpec[]): BuiltInJobInfo[] {
  return jobs.map((job) => ({
    id: job.id,
    timeout_seconds: job.timeoutSeconds,
    default_payload: job.defaultPayload,
    ...(job.backfill ? { backfill_unit: job.backfill.unit, backfill_field: job.backfill.field } : {}),
    runbook_anchors: runbookAnchorsFor(job.id),
  }));
}

/** Where docs/runbook.md is read on GitHub, when the config names the repository (`github.repository`). */
export function runbookUrlFor(repository: string | undefined, branch = 'main'): string | undefined {
  return repository ? `https://github.com/${repository}/blob/${branch}/docs/runbook.md` : undefined;
}
