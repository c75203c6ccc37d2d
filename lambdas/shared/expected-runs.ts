import { Cron } from 'croner';
import { lastOccurrenceOfWallClock, nextCronRun } from './eventbridge-fire-times';
import type { ExpectationSchedule } from './expectation-store';

export { isTimeZone } from './time-zone';

/**
 * When a job is expected to report, and whether it missed that: the missed check-in logic
 * (as healthchecks.io and Sentry Crons call it) of the watchdog and the status page.
 */

/** A reporter whose clock runs a little fast may report a cron run just before its scheduled minute. */
const EARLY_REPORT_TOLERANCE_MS = 60_000;

export type Lateness =
  /** `deadline`: when the job becomes late if no report arrives; null when nothing more is expected (a one-shot's run checked in). */
  | { late: false; deadline: Date | null }
  /** `since`: the deadline that passed without a report. */
  | { late: true; since: Date };

/**
 * The first expected run strictly after `after`: the earliest next run of any cron (when EventBridge
 * Scheduler fires it: a time skipped by daylight saving is not expected), `after` + the interval, or
 * a one-shot's runOnceAt while it is ahead.
 */
export function nextExpectedRun(schedule: ExpectationSchedule, after: Date): Date {
  if (schedule.runOnceAt !== undefined) {
    const once = new Date(schedule.runOnceAt);
    if (once.getTime() > after.getTime()) return once;
    throw new Error(`expectation has no future run (once at ${schedule.runOnceAt})`);
  }
  if (schedule.everyMinutes !== undefined) return new Date(after.getTime() + schedule.everyMinutes * 60_000);
  const runs = schedule.crons
    .map((cron) => nextCronRun(cron, schedule.timezone, after))
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
  if (schedule.runOnceAt !== undefined) return oneShotLateness(schedule.runOnceAt, schedule.graceMinutes, at);
  const tolerance = schedule.everyMinutes === undefined ? EARLY_REPORT_TOLERANCE_MS : 0;
  const windowStart = Math.max(at.createdAt.getTime(), (at.lastCheckIn?.getTime() ?? 0) + tolerance);
  const expected = nextExpectedRun(schedule, new Date(windowStart));
  // A run in the hour clocks fall back through fires once, at either pass: count from the later one.
  const latest =
    schedule.everyMinutes === undefined ? lastOccurrenceOfWallClock(expected, schedule.timezone) : expected;
  const deadline = new Date(latest.getTime() + schedule.graceMinutes * 60_000);
  return deadline.getTime() <= at.now.getTime() ? { late: true, since: deadline } : { late: false, deadline };
}

/**
 * A one-shot expectation (`runOnceAt`): its one run is due at runOnceAt, whenever the expectation was
 * stored (there is no window to start: the HTTP scheduler stores it just before or, for a run_at
 * seconds away, just after that instant). Its run's check-in is the job's last check-in (when the
 * report that moved its latest status arrived: the run's success or error, a `missed` run recorded as
 * an error; a skipped run reports nothing, the run holding the lease reports for it), if that arrived
 * at or after runOnceAt less the early-report tolerance. An earlier one is not this run's (a replaced
 * job's under the same key, a manual run before run_at). Until that check-in: late from runOnceAt +
 * grace. After it: never late again.
 */
function oneShotLateness(runOnceAt: string, graceMinutes: number, at: { lastCheckIn?: Date; now: Date }): Lateness {
  const due = Date.parse(runOnceAt);
  if (Number.isNaN(due)) throw new Error(`expectation's runOnceAt "${runOnceAt}" is not an instant`);
  if (oneShotCheckedIn(runOnceAt, at.lastCheckIn)) return { late: false, deadline: null };
  const deadline = new Date(due + graceMinutes * 60_000);
  return deadline.getTime() <= at.now.getTime() ? { late: true, since: deadline } : { late: false, deadline };
}

/** Whether a one-shot expectation's run has checked in (oneShotLateness): then it expects nothing more. */
export function oneShotCheckedIn(runOnceAt: string, lastCheckIn: Date | undefined): boolean {
  return lastCheckIn !== undefined && lastCheckIn.getTime() >= Date.parse(runOnceAt) - EARLY_REPORT_TOLERANCE_MS;
}

/** Why a cron is not a valid five-field expression, or undefined when it is. */
export function cronProblem(cron: string): string | undefined {
  try {
    new Cron(cron, { timezone: 'UTC', mode: '5-part', paused: true });
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
  const next = nextCronRun(cron, timezone, now);
  if (!next || next.getTime() - now.getTime() > HORIZON_MS) {
    return `"${cron}" has no run within the next year (in ${timezone})`;
  }
  return undefined;
}
