/**
 * Built-in jobs' expectations, derived from the registry: when each job should report, so the
 * watchdog can tell when one stopped. The jobs stack hands the result to the watchdog as
 * BUILT_IN_EXPECTATIONS (JSON) and local mode does the same; plain data, no aws-cdk-lib.
 */
import { SCHEDULE_TIME_ZONE } from './cron';
import type { JobSpec } from './job-spec';

/** One schedule of one job, in the shape the watchdog reads (snake_case, like the monitor API). */
export interface BuiltInExpectation {
  readonly job_key: string;
  readonly title: string;
  /** Five-field cron, as in the registry. */
  readonly cron: string;
  readonly timezone: string;
  readonly grace_minutes: number;
  /** A run still going after this many minutes is hung: the job's Lambda timeout (it cannot run longer). */
  readonly max_runtime_minutes: number;
}

/** Slack beyond a run's timeout: EventBridge Scheduler starts runs within a minute, the watchdog looks every 5. */
const GRACE_SLACK_MINUTES = 5;

/**
 * A run reports when it ends, at the latest when its Lambda times out; a report missing after
 * that plus some slack means the run did not happen (or could not record its outcome).
 */
export function graceMinutesFor(job: Pick<JobSpec, 'timeoutSeconds'>): number {
  return Math.ceil(job.timeoutSeconds / 60) + GRACE_SLACK_MINUTES;
}

/** One entry per schedule of every job (the watchdog merges a job's schedules). */
export function builtInExpectations(jobs: readonly JobSpec[]): BuiltInExpectation[] {
  return jobs.flatMap((job) =>
    job.schedules.map((schedule) => ({
      job_key: job.id,
      // The page's language: a registry job's expectation names it on the status page.
      title: job.displayTitle ?? job.title,
      cron: schedule.cron,
      timezone: SCHEDULE_TIME_ZONE,
      grace_minutes: graceMinutesFor(job),
      max_runtime_minutes: Math.ceil(job.timeoutSeconds / 60),
    })),
  );
}
