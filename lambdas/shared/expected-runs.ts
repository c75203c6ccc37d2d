import { Cron } from 'croner';
import type { ExpectationSchedule } from './expectation-store';

/**
 * When a job is expected to report, and whether it missed that: the missed check-in logic
 * (as healthchecks.io and Sentry Crons call it) of the watchdog and the status page.
 */

/** A reporter whose clock runs a little fast may report a cron run just before its scheduled minute. */
const EARLY_REPORT_TOLERANCE_MS = 60_000;

export type Lateness =
  /** `deadline`: when the job becomes late if no report arrives. */
  | { late: false; deadline: Date }
  /** `since`: the deadline that passed without a report. */
  | { late: true; since: Date };

function cronFor(cron: string, timezone: string): Cron {
  return new Cron(cron, { timezone, mode: '5-part' });
}

/** The first expected run strictly after `after`: the earliest next run of any cron, or `after` + the interval. */
export function nextExpectedRun(schedule: ExpectationSchedule, after: Date): Date {
  if (schedule.everyMinutes !== undefined) return new Date(after.getTime() + schedule.everyMinutes * 60_000);
  const runs = schedule.crons
    .map((cron) => cronFor(cron, schedule.timezone).nextRun(after))
    .filter((run): run is Date => run !== null);
  if (runs.length === 0) throw new Error(`expectation has no future run (crons: ${schedule.crons.join(', ')})`);
  return new Date(Math.min(...runs.map((run) => run.getTime())));
}

/**
 * Late when the first run expected after the last check-in (or after the expectation was created, for a
 * job that never reported) is more than the grace period ago. Runs expected before the expectation
 * existed never count, so registering an expectation does not make a job late at once.
 */
export function evaluateLateness(
  schedule: ExpectationSchedule,
  at: { lastCheckIn?: Date; createdAt: Date; now: Date },
): Lateness {
  const tolerance = schedule.everyMinutes === undefined ? EARLY_REPORT_TOLERANCE_MS : 0;
  const windowStart = Math.max(at.createdAt.getTime(), (at.lastCheckIn?.getTime() ?? 0) + tolerance);
  const deadline = new Date(
    nextExpectedRun(schedule, new Date(windowStart)).getTime() + schedule.graceMinutes * 60_000,
  );
  return deadline.getTime() <= at.now.getTime() ? { late: true, since: deadline } : { late: false, deadline };
}

/** Why a cron is not a valid five-field expression, or undefined when it is. */
export function cronProblem(cron: string): string | undefined {
  try {
    cronFor(cron, 'UTC');
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

/** A schedule that never fires within this long cannot be watched: nothing would ever be late. */
const HORIZON_MS = 366 * 24 * 3_600_000;

/**
 * Why a cron cannot serve as an expectation: not five fields, or no run within the next year in its
 * time zone (`0 9 31 2 *` parses but never runs). undefined when it can.
 */
export function cronScheduleProblem(cron: string, timezone: string, now: Date): string | undefined {
  const syntax = cronProblem(cron);
  if (syntax) return syntax;
  const next = cronFor(cron, timezone).nextRun(now);
  if (!next || next.getTime() - now.getTime() > HORIZON_MS) {
    return `"${cron}" has no run within the next year (in ${timezone})`;
  }
  return undefined;
}

/** An IANA time zone name the runtime knows, e.g. Asia/Tokyo. */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
