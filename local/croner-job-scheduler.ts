import type { CallEvent } from '../lambdas/http-scheduler/call-job';
import type { JobScheduler, ScheduleSpec } from '../lambdas/http-scheduler/job-scheduler';
import type { HttpJobStore } from '../lambdas/http-scheduler/job-store';
import { nextRunAfter } from '../lambdas/http-scheduler/schedule-plan';

/**
 * Local mode's implementation of the scheduling port: the same plans EventBridge Scheduler runs
 * (cron via croner, rate, at), fired in this process with the event EventBridge would send.
 * Jobs live in the table, so `restore` re-arms them after a restart of `npm start`.
 */
/** setTimeout's limit; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class CronerJobScheduler implements JobScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly fire: (event: CallEvent) => void) {}

  async create(spec: ScheduleSpec): Promise<void> {
    this.arm(spec, new Date());
  }

  async update(spec: ScheduleSpec): Promise<void> {
    this.disarm(spec.jobId);
    this.arm(spec, new Date());
  }

  async delete(jobId: string): Promise<void> {
    this.disarm(jobId);
  }

  /**
   * Re-arms every scheduled job of the store; returns how many. A one-shot job whose time passed
   * while local mode was down fires now with its scheduled time, as EventBridge delivers a late
   * event: the caller runs it within misfire_grace_sec or records it missed, and either completes it.
   */
  async restore(store: HttpJobStore): Promise<number> {
    const now = new Date();
    const jobs = (await store.listJobs()).filter((job) => job.state === 'scheduled');
    for (const job of jobs) {
      const spec = {
        jobId: job.jobId,
        generation: job.generation,
        plan: job.plan,
        enabled: true,
        misfireGraceSec: job.definition.misfire_grace_sec,
        anchorAt: job.anchorAt,
      };
      const overdue = job.plan.oneShot && Date.parse(job.plan.runAt as string) <= now.getTime();
      if (overdue) this.fire(eventFor(spec, new Date(job.plan.runAt as string)));
      else this.arm(spec, now);
    }
    return jobs.length;
  }

  /** Job ids with a schedule armed. */
  armed(): string[] {
    return [...this.timers.keys()];
  }

  stop(): void {
    for (const jobId of [...this.timers.keys()]) this.disarm(jobId);
  }

  private disarm(jobId: string): void {
    clearTimeout(this.timers.get(jobId));
    this.timers.delete(jobId);
  }

  private arm(spec: ScheduleSpec, after: Date): void {
    if (!spec.enabled) return;
    const next = nextRunAfter(spec.plan, new Date(spec.anchorAt), after);
    if (!next) return;
    const wait = () => {
      const remaining = next.getTime() - Date.now();
      if (remaining > 0) {
        this.timers.set(spec.jobId, setTimeout(wait, Math.min(remaining, MAX_TIMER_MS)));
        return;
      }
      this.timers.delete(spec.jobId);
      this.fire(eventFor(spec, next));
      if (!spec.plan.oneShot) this.arm(spec, next);
    };
    wait();
  }
}

/** The event EventBridge Scheduler sends (job-scheduler.ts), with the trigger local mode adds. */
const eventFor = (spec: ScheduleSpec, scheduled: Date): CallEvent => ({
  job_id: spec.jobId,
  generation: spec.generation,
  scheduled_time: scheduled.toISOString(),
  trigger: 'schedule',
});
