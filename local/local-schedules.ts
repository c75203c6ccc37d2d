import { Cron } from 'croner';
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

/** Every registry schedule on croner in Asia/Tokyo; a run still going when the next fires is skipped (protect). */
export function startLocalSchedules(jobs: readonly JobSpec[], log: (line: string) => void): Cron[] {
  return jobs.flatMap((spec) =>
    spec.schedules.map(
      (schedule) =>
        new Cron(
          schedule.cron,
          { timezone: SCHEDULE_TIME_ZONE, protect: true, name: `${spec.id}/${schedule.name}` },
          async () => {
            const payload = schedulePayload(spec, schedule, new Date());
            const outcome = await runJobLocally(spec, payload).catch((error: Error) => ({
              status: 'error',
              message: error.message,
            }));
            log(`[${new Date().toISOString()}] ${spec.id}/${schedule.name}: ${outcome.status} — ${outcome.message}`);
          },
        ),
    ),
  );
}

/** `2026-11-24 09:15 JST`: the minute in the time zone the schedules are written in. */
export function formatJstMinute(instant: Date): string {
  return `${toJstIso(instant).slice(0, 16).replace('T', ' ')} JST`;
}

/** One line per schedule for `npm start`: name, cron pattern, next run in JST. */
export function scheduleLines(schedules: readonly Cron[], from: Date = new Date()): string[] {
  return schedules.map((cron) => {
    const next = cron.nextRun(from);
    return `${String(cron.name).padEnd(34)} ${cron.getPattern()}   next ${next ? formatJstMinute(next) : 'never'}`;
  });
}
