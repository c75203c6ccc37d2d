import { cronRuns, isRepeatedWallClock, nextCronRun } from '#shared/eventbridge-fire-times';
import { wallClockMs } from '#shared/time-zone';
import { translateApsCron } from './apscheduler-cron';
import { intervalMinutes, type JobRequest } from './job-request';

/**
 * What a job's schedule is, in the forms each party needs: the EventBridge Scheduler expression,
 * the croner pattern that computes the same times (local mode, next_run_time), and APScheduler's
 * trigger text the API shows.
 */
export interface SchedulePlan {
  /** `cron(...)`, `rate(10 minutes)` or `at(2025-09-20T15:00:00)` */
  expression: string;
  timezone: string;
  /**
   * The zone `expression` is written in, when not `timezone`: a date job whose wall-clock time occurs
   * twice in its zone (clocks falling back) is sent as at() in UTC, the one reading that names its instant.
   */
  expressionTimezone?: string;
  /** date jobs: EventBridge deletes the schedule after its one run. */
  oneShot: boolean;
  /** `cron[hour='10', minute='30']`, `interval[0:10:00]`, `date[2025-09-20 15:00:00 JST]` */
  trigger: string;
  /** cron jobs: the same schedule as a five-field pattern in `timezone` (next runs, local mode, the watchdog). */
  croner?: string;
  /** interval jobs: the period; runs fall on anchor + k × period. */
  everyMinutes?: number;
  /** date jobs: the instant, UTC ISO. */
  runAt?: string;
}

/** `2025-09-20T15:00:00+09:00`: the instant as the job's time zone reads it (whole seconds). */
export function isoInZone(date: Date, timezone: string): string {
  const instant = Math.floor(date.getTime() / 1000) * 1000;
  const wall = wallClockMs(instant, timezone);
  const offsetMinutes = Math.round((wall - instant) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const local = new Date(wall).toISOString().slice(0, 19);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `JST`, `UTC`, `EST`; `GMT+5:30` where no abbreviation exists (APScheduler prints %Z). */
function zoneAbbreviation(date: Date, timezone: string): string {
  const name = (locale: string) =>
    new Intl.DateTimeFormat(locale, { timeZone: timezone, timeZoneName: 'short' })
      .formatToParts(date)
      .find((part) => part.type === 'timeZoneName')?.value ?? timezone;
  // Each locale knows the abbreviations of its own region (en-GB: BST, ja-JP: JST).
  const names = ['en-US', 'en-GB', 'ja-JP'].map(name);
  return names.find((candidate) => /^[A-Z]{2,5}$/.test(candidate)) ?? names[0];
}

/** Python's str(timedelta): `0:10:00`, `1 day, 0:00:00`, `14 days, 2:30:00`. */
function timedeltaText(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const rest = minutes % 1440;
  const clock = `${Math.floor(rest / 60)}:${String(rest % 60).padStart(2, '0')}:00`;
  return days === 0 ? clock : `${days} day${days === 1 ? '' : 's'}, ${clock}`;
}

/** EventBridge rate(): one unit, the largest that divides the period exactly. */
function rateExpression(minutes: number): string {
  if (minutes % 1440 === 0) return `rate(${minutes / 1440} ${minutes === 1440 ? 'day' : 'days'})`;
  if (minutes % 60 === 0) return `rate(${minutes / 60} ${minutes === 60 ? 'hour' : 'hours'})`;
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}

/** Assumes a validated request (validateJobRequest). */
export function planSchedule(job: JobRequest): SchedulePlan {
  const timezone = job.timezone;
  if (job.schedule_type === 'cron') {
    const cron = translateApsCron(job.cron ?? {});
    return { expression: cron.eventBridge, timezone, oneShot: false, trigger: cron.trigger, croner: cron.croner };
  }
  if (job.schedule_type === 'interval') {
    const everyMinutes = intervalMinutes(job.interval ?? {});
    return {
      expression: rateExpression(everyMinutes),
      timezone,
      oneShot: false,
      trigger: `interval[${timedeltaText(everyMinutes)}]`,
      everyMinutes,
    };
  }
  const runAt = new Date(job.run_at as string);
  const wall = isoInZone(runAt, timezone);
  const repeated = isRepeatedWallClock(runAt, timezone);
  return {
    expression: `at(${(repeated ? runAt.toISOString() : wall).slice(0, 19)})`,
    timezone,
    ...(repeated ? { expressionTimezone: 'UTC' } : {}),
    oneShot: true,
    trigger: `date[${wall.slice(0, 10)} ${wall.slice(11, 19)} ${zoneAbbreviation(runAt, timezone)}]`,
    runAt: runAt.toISOString(),
  };
}

/** The next `count` times the plan fires after `now` (cron jobs; EventBridge's reading, daylight saving included). */
export function nextCronRuns(plan: SchedulePlan, now: Date, count: number): Date[] {
  return plan.croner ? cronRuns(plan.croner, plan.timezone, now, count) : [];
}

/**
 * The next time the plan fires after `now`, or null when it never will again, as EventBridge Scheduler
 * fires it. `anchor` is when an interval job started counting (its creation or last resume): rate()
 * schedules are created with StartDate = the first run after it, so they run on anchor + k × period.
 */
export function nextRunAfter(plan: SchedulePlan, anchor: Date, now: Date): Date | null {
  if (plan.croner) return nextCronRun(plan.croner, plan.timezone, now);
  if (plan.everyMinutes) {
    const period = plan.everyMinutes * 60_000;
    const elapsed = Math.max(0, now.getTime() - anchor.getTime());
    return new Date(anchor.getTime() + (Math.floor(elapsed / period) + 1) * period);
  }
  const runAt = new Date(plan.runAt as string);
  return runAt.getTime() > now.getTime() ? runAt : null;
}
