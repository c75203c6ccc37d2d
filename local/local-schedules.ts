import { Cron } from 'croner';
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
