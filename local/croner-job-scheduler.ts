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

  /** Re-arms every scheduled job of the store; returns how many. */
  async restore(store: HttpJobStore): Promise<number> {
    const jobs = (await store.listJobs()).filter((job) => job.state === 'scheduled');
    for (const job of jobs) {
      this.arm(
        {
          jobId: job.jobId,
          plan: job.plan,
          enabled: true,
          misfireGraceSec: job.definition.misfire_grace_sec,
          anchorAt: job.anchorAt,
        },
        new Date(),
      );
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
      this.fire({ job_id: spec.jobId, scheduled_time: next.toISOString(), trigger: 'schedule' });
      if (!spec.plan.oneShot) this.arm(spec, next);
    };
    wait();
  }
}
