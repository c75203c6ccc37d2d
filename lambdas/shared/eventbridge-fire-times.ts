import { Cron } from 'croner';
import { instantsAtWallClock, wallClockMs } from './time-zone';

/**
 * When EventBridge Scheduler fires a cron schedule in a time zone, as its documentation describes it
 * (Schedule types → daylight saving time): the cron matches wall-clock times; a time that does not
 * exist because clocks spring forward is skipped; a time that occurs twice because clocks fall back
 * runs once. The docs do not say which of the two: here it is the first (the watchdog accepts either,
 * see `lastOccurrenceOfWallClock`). next_run_time, local mode and the watchdog's expected runs all
 * read schedules through this file, so they agree with AWS and with each other.
 *
 * croner reads the five-field pattern (ranges, steps, names, L, #) on the wall clock, in UTC where
 * nothing is skipped or repeated; this file maps each wall-clock match to its instant. croner's own
 * time-zone mode moves a skipped time to the next valid one and fires a repeated minute twice.
 */

const wallClockCrons = new Map<string, Cron>();

/** The pattern as a wall-clock matcher, parsed once per pattern (never started: only for computing times). */
function wallClockCron(cron: string): Cron {
  let parsed = wallClockCrons.get(cron);
  if (!parsed) {
    parsed = new Cron(cron, { utcOffset: 0, mode: '5-part', paused: true });
    wallClockCrons.set(cron, parsed);
  }
  return parsed;
}

/** A gap or a repeated hour skips at most a few hundred wall-clock matches; more means a bug, not a schedule. */
const MAX_SKIPPED_MATCHES = 10_000;

/** The first time strictly after `after` that EventBridge fires the five-field cron in `timezone`, or null if never. */
export function nextCronRun(cron: string, timezone: string, after: Date): Date | null {
  const matcher = wallClockCron(cron);
  const afterMs = after.getTime();
  let wall = new Date(wallClockMs(afterMs, timezone));
  for (let skipped = 0; skipped < MAX_SKIPPED_MATCHES; skipped += 1) {
    const nextWall = matcher.nextRun(wall);
    if (!nextWall) return null;
    // Empty in a spring-forward gap (skipped); in a repeated hour only the first occurrence fires.
    const [first] = instantsAtWallClock(nextWall.getTime(), timezone);
    if (first !== undefined && first > afterMs) return new Date(first);
    wall = nextWall;
  }
  throw new Error(`cron "${cron}" in ${timezone}: no fire time found after ${after.toISOString()}`);
}

/** The next `count` fire times after `after` (fewer when the schedule ends). */
export function cronRuns(cron: string, timezone: string, after: Date, count: number): Date[] {
  const runs: Date[] = [];
  for (let from = after; runs.length < count; ) {
    const next = nextCronRun(cron, timezone, from);
    if (!next) break;
    runs.push(next);
    from = next;
  }
  return runs;
}

/**
 * The last instant whose wall clock reads the same as `instant` in the zone: `instant` itself, or the
 * second pass of a repeated hour. A run expected in a repeated hour may come at either pass.
 */
export function lastOccurrenceOfWallClock(instant: Date, timezone: string): Date {
  const occurrences = instantsAtWallClock(wallClockMs(instant.getTime(), timezone), timezone);
  return new Date(Math.max(instant.getTime(), ...occurrences));
}

/** Whether the wall-clock reading of `instant` in the zone occurs twice (the hour clocks fall back through). */
export function isRepeatedWallClock(instant: Date, timezone: string): boolean {
  return instantsAtWallClock(wallClockMs(instant.getTime(), timezone), timezone).length > 1;
}
