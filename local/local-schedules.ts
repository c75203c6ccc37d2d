import { nextCronRun } from '../lambdas/shared/eventbridge-fire-times';
import { toJstIso } from '../lambdas/shared/jst-time';
import { SCHEDULE_TIME_ZONE } from '../lib/cron';
import type { JobSchedule, JobSpec } from '../lib/job-spec';
import { runJobLocally } from './run-job';

/** The payload a schedule sends, as EventBridge Scheduler does (scheduled_time = the minute it fired). */
export function schedulePayload(spec: JobSpec, schedule: JobSchedule, firedAt: Date): Record<string, unknown> {
  const minute = new Date(Math.floor(firedAt.getTime() / 60_000) * 60_000);
  return {
    ...(schedule.payload ?? spec.defaultPayload),
    ...(spec.scheduledTimeInPayload ? { scheduled_time: minute.toISOString() } : {}),
  };
}

/** setTimeout's limit; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One registry schedule running in this process, at the times EventBridge Scheduler fires its cron
 * (lambdas/shared/eventbridge-fire-times.ts); a run still going when the next one is due is skipped.
 */
export class LocalSchedule {
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly cron: string,
    private readonly run: () => Promise<void>,
  ) {}

  getPattern(): string {
    return this.cron;
  }

  nextRun(from: Date = new Date()): Date | null {
    return nextCronRun(this.cron, SCHEDULE_TIME_ZONE, from);
  }

  start(): this {
    this.armAfter(new Date());
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private armAfter(after: Date): void {
    const next = this.nextRun(after);
    if (!next || this.stopped) return;
    const wait = () => {
      const remaining = next.getTime() - Date.now();
      if (remaining > 0) {
        this.timer = setTimeout(wait, Math.min(remaining, MAX_TIMER_MS));
        return;
      }
      if (!this.running) {
        this.running = true;
        void this.run().finally(() => {
          this.running = false;
        });
      }
      this.armAfter(next);
    };
    wait();
  }
}

/** The name `ops pause` and the banner use for a schedule: `<job>/<schedule>`. */
export const localScheduleName = (spec: Pick<JobSpec, 'id'>, schedule: Pick<JobSchedule, 'name'>): string =>
  `${spec.id}/${schedule.name}`;

/**
 * Every registry schedule in Asia/Tokyo, as EventBridge Scheduler runs it. A schedule `isPaused` says
 * is paused (`ops pause`, local/schedule-pauses.ts) skips its run, as a DISABLED schedule does.
 */
export function startLocalSchedules(
  jobs: readonly JobSpec[],
  log: (line: string) => void,
  isPaused: (name: string) => boolean = () => false,
): LocalSchedule[] {
  return jobs.flatMap((spec) =>
    spec.schedules.map((schedule) => {
      const name = localScheduleName(spec, schedule);
      return new LocalSchedule(name, schedule.cron, async () => {
        if (isPaused(name)) {
          log(`${formatJstSecond(new Date())} ${name}: paused, not run (npm run ops -- resume ${spec.id})`);
          return;
        }
        const payload = schedulePayload(spec, schedule, new Date());
        const outcome = await runJobLocally(spec, payload).catch((error: Error) => ({
          status: 'error',
          message: error.message,
        }));
        log(`${formatJstSecond(new Date())} ${name}: ${outcome.status} — ${outcome.message}`);
      }).start();
    }),
  );
}

/** `2026-11-24 09:15:03 JST`, like the readable log lines around it. */
export function formatJstSecond(instant: Date): string {
  return `${toJstIso(instant).slice(0, 19).replace('T', ' ')} JST`;
}

/** `2026-11-24 09:15 JST`: the minute in the time zone the schedules are written in. */
export function formatJstMinute(instant: Date): string {
  return `${toJstIso(instant).slice(0, 16).replace('T', ' ')} JST`;
}
