import type { ScheduleSpec } from './job-scheduler';
import type { JobRecord } from './job-store';
import type { SchedulerApiDeps } from './scheduler-deps';

/**
 * The job row is the truth; the schedule follows it. Every request that changed a row (create,
 * replace, pause, resume, delete) writes the schedule it wants and then settles: it reads the row
 * again and, if another request changed it meanwhile, writes the schedule that row needs, until
 * the row stays as last written. Of requests racing for one job, the one whose schedule write
 * lands last reads the row after it, so the schedule ends matching the final row whatever the
 * interleaving.
 */
type Deps = Pick<SchedulerApiDeps, 'store' | 'scheduler' | 'logger'>;

/** The schedule a row needs: none for a deleted or completed job (EventBridge deleted a one-shot's after its run). */
export function scheduleFor(job: JobRecord | undefined): ScheduleSpec | undefined {
  if (!job || job.state === 'completed') return undefined;
  return {
    jobId: job.jobId,
    generation: job.generation,
    plan: job.plan,
    enabled: job.state === 'scheduled',
    misfireGraceSec: job.definition.misfire_grace_sec,
    anchorAt: job.anchorAt,
  };
}

/** What was written, comparable across reads; `none` for no schedule. */
export type Written = string;
export const NOTHING_WRITTEN: Written = 'none';
export const writtenFor = (spec: ScheduleSpec | undefined): Written => (spec ? JSON.stringify(spec) : NOTHING_WRITTEN);

/** Creates or updates, whichever the schedule's existence calls for (a racing request may have created or deleted it). */
export async function putSchedule(deps: Deps, spec: ScheduleSpec, expectExisting: boolean): Promise<Written> {
  try {
    await (expectExisting ? deps.scheduler.update(spec) : deps.scheduler.create(spec));
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ResourceNotFoundException') await deps.scheduler.create(spec);
    else if (name === 'ConflictException') await deps.scheduler.update(spec);
    else throw error;
  }
  return writtenFor(spec);
}

async function writeSchedule(deps: Deps, jobId: string, spec: ScheduleSpec | undefined): Promise<Written> {
  if (spec) return putSchedule(deps, spec, true);
  await deps.scheduler.delete(jobId);
  return NOTHING_WRITTEN;
}

const MAX_ROUNDS = 5;

/**
 * Re-reads the row until the schedule this request wrote last (`written`; undefined when unknown)
 * is the one the row needs. Best effort after the request's own change succeeded: a failure is
 * logged (the request that changed the row last settles it too).
 */
export async function settleSchedule(deps: Deps, jobId: string, written: Written | undefined): Promise<void> {
  let last = written;
  try {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const wanted = scheduleFor(await deps.store.getJob(jobId));
      if (writtenFor(wanted) === last) return;
      last = await writeSchedule(deps, jobId, wanted);
    }
    deps.logger.warn('schedule still changing after settling; the last writer settles it', { job_id: jobId });
  } catch (error) {
    deps.logger.error('schedule could not be settled with the job row', { job_id: jobId, error: error as Error });
  }
}
