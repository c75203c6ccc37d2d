import { statusJobKey } from './call-job';
import { worstCaseRunSec } from './job-request';
import type { JobRecord } from './job-store';
import type { SchedulerApiDeps } from './scheduler-deps';

/**
 * A scheduled job is expected to report on its schedule, so the watchdog marks it late (and the late
 * alarm fires) when runs stop arriving, and a run hung when it outlives its job's worst case. A
 * one-shot (`date`) job expects its one run at run_at (`runOnceAt`: late from run_at + grace until
 * that run is recorded, never after: expected-runs.ts). A one-shot whose run_at had passed when the
 * request that scheduled it began (anchorAt: a resume after run_at; a create checked run_at was ahead)
 * will never be run by its schedule (next_run_time null), so it gets none, and any left is removed.
 * Best effort: the job itself stands.
 */
export async function putExpectation(deps: SchedulerApiDeps, job: JobRecord): Promise<void> {
  const { plan, definition } = job;
  if (plan.oneShot && Date.parse(plan.runAt as string) <= Date.parse(job.anchorAt)) {
    await deleteExpectation(deps, job.jobId);
    return;
  }
  // A run may take every attempt and wait; five minutes on top absorb the watchdog's own period.
  const worstCaseSec = worstCaseRunSec(definition) + definition.misfire_grace_sec;
  try {
    await deps.expectations.put({
      jobKey: statusJobKey(job.jobId),
      title: definition.name ?? `HTTP job ${job.jobId}`,
      source: 'api',
      crons: plan.croner ? [plan.croner] : [],
      ...(plan.everyMinutes ? { everyMinutes: plan.everyMinutes } : {}),
      ...(plan.oneShot ? { runOnceAt: plan.runAt } : {}),
      timezone: plan.timezone,
      graceMinutes: Math.ceil(worstCaseSec / 60) + 5,
      // A run that started (the caller records its start) and outlives every attempt and wait by a minute
      // has lost its caller: the watchdog marks it hung instead of showing it running until the next run.
      maxRuntimeMinutes: Math.ceil(worstCaseRunSec(definition) / 60) + 1,
    });
  } catch (error) {
    deps.logger.warn('expectation not stored', { job_id: job.jobId, error: error as Error });
  }
}

export async function deleteExpectation(deps: SchedulerApiDeps, jobId: string): Promise<void> {
  try {
    await deps.expectations.delete(statusJobKey(jobId));
  } catch (error) {
    deps.logger.warn('expectation not deleted', { job_id: jobId, error: error as Error });
  }
}
