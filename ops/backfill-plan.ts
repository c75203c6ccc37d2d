import { nextCronRun } from '#shared/eventbridge-fire-times';
import { jstDateString, parseJstWallTime, toJstIso } from '#shared/jst-time';
import { SCHEDULE_TIME_ZONE } from '../lib/cron';
import type { JobSpec } from '../lib/job-spec';
import { OpsUsageError } from './ops-errors';

/** Beyond this a backfill is a mistake in --from/--to rather than a plan. */
export const MAX_BACKFILL_RUNS = 5000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` (the whole JST day) or `YYYY-MM-DDTHH:mm` (JST) → [first instant, last instant]. */
function jstRange(text: string, option: string): [Date, Date] {
  try {
    if (DATE.test(text)) {
      const start = parseJstWallTime(`${text}T00:00`);
      return [start, new Date(start.getTime() + DAY_MS - 1)];
    }
    const instant = parseJstWallTime(text);
    return [instant, instant];
  } catch (error) {
    throw new OpsUsageError(`${option}: ${(error as Error).message} (use 2025-08-01 or 2025-08-01T09:15, JST)`);
  }
}

/** The JST wall time `YYYY-MM-DDTHH:mm` of an instant: the form slot payloads take. */
export function formatJstSlot(instant: Date): string {
  return toJstIso(instant).slice(0, 16);
}

export interface BackfillPlan {
  /** The payload values in order: dates or slots. */
  values: string[];
  /** The earliest instant any of them stands for (runs for them finished after it). */
  since: Date;
}

/**
 * The dates (every JST day from..to) or slots (every time the job's crons fire in Asia/Tokyo between
 * from and to) a backfill runs, never later than now: a job cannot run for a slot that has not come.
 */
export function planBackfill(job: JobSpec, fromText: string, toText: string, now: Date): BackfillPlan {
  if (!job.backfill) throw new OpsUsageError(`job "${job.id}" is not date- or slot-driven`);
  const [from] = jstRange(fromText, '--from');
  const [, rangeEnd] = jstRange(toText, '--to');
  if (rangeEnd < from) throw new OpsUsageError(`--to ${toText} is before --from ${fromText}`);
  const to = new Date(Math.min(rangeEnd.getTime(), now.getTime()));
  const values: string[] = [];
  const tooMany = () =>
    new OpsUsageError(`${fromText}..${toText} is more than ${MAX_BACKFILL_RUNS} runs of ${job.id}; split the range`);

  if (job.backfill.unit === 'date') {
    for (let day = from.getTime(); day <= to.getTime(); day += DAY_MS) {
      values.push(jstDateString(new Date(day)));
      if (values.length > MAX_BACKFILL_RUNS) throw tooMany();
    }
    return { values, since: from };
  }
  const slots = new Set<number>();
  for (const schedule of job.schedules) {
    // The slots EventBridge fires; nextCronRun is strictly after its argument: start a second early so `from` counts.
    let next = nextCronRun(schedule.cron, SCHEDULE_TIME_ZONE, new Date(from.getTime() - 1000));
    while (next && next <= to) {
      slots.add(next.getTime());
      if (slots.size > MAX_BACKFILL_RUNS) throw tooMany();
      next = nextCronRun(schedule.cron, SCHEDULE_TIME_ZONE, next);
    }
  }
  for (const slot of [...slots].sort((a, b) => a - b)) values.push(formatJstSlot(new Date(slot)));
  return { values, since: from };
}
