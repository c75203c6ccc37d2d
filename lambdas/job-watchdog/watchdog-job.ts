import { z } from 'zod';
import { createDocumentClient } from '#shared/aws-clients';
import { JobMuteStore } from '#shared/job-mutes';
import type { JobDefinition } from '#shared/job-runner';
import { JobStatusStore } from '#shared/job-status-store';
import { MonitorMetric, publishMonitorCount } from '#shared/monitor-metrics';
import { requireEnv } from '#shared/secrets';
import { parseBuiltInExpectations } from './built-in-expectations';
import { type LateJob, type WatchdogPorts, watchExpectations } from './watch-expectations';
import type { HungJob } from './watch-hung-runs';

export const WATCHDOG_JOB_ID = 'job-watchdog';

export interface WatchdogJobPorts {
  store: WatchdogPorts['store'];
  /** BUILT_IN_EXPECTATIONS, as the jobs stack sets it. */
  builtInExpectations: string | undefined;
  /** Muted jobs are still marked late on the page, but left out of the late metrics until their mute ends. */
  mutes: Pick<JobMuteStore, 'activeAt'>;
  /** Receives the late jobs of every run (also an empty list: the LateJobs metric must report 0). */
  publishLate(late: readonly LateJob[]): void;
  /** Receives the hung jobs of every run. @default publishHungMetrics */
  publishHung?(hung: readonly HungJob[]): void;
}

/** JobHung per hung job (with and without the job dimension): the "a run hangs" alarm watches its sum. */
export function publishHungMetrics(hung: readonly HungJob[]): void {
  for (const job of hung) publishMonitorCount(MonitorMetric.jobHung, 1, job.jobKey);
}

/** JobLate per late job (dimension job) and LateJobs in total: the "a job is late" alarm watches LateJobs. */
export function publishLateMetrics(late: readonly LateJob[]): void {
  for (const job of late) publishMonitorCount(MonitorMetric.jobLate, 1, job.jobKey);
  publishMonitorCount(MonitorMetric.lateJobs, late.length);
}

/** The ports of the deployed watchdog: the job-status table named by JOB_STATUS_TABLE, EMF metrics. */
export function watchdogPortsFromEnv(env: NodeJS.ProcessEnv = process.env): WatchdogJobPorts {
  const db = createDocumentClient(env);
  const tableName = requireEnv('JOB_STATUS_TABLE', env);
  return {
    store: new JobStatusStore(db, tableName),
    mutes: new JobMuteStore(db, tableName),
    builtInExpectations: env.BUILT_IN_EXPECTATIONS,
    publishLate: publishLateMetrics,
    publishHung: publishHungMetrics,
  };
}

/**
 * The watchdog as a registry job (every 5 minutes), run through the shared runner. An expectation it
 * cannot evaluate is marked on the status page (and logged); the run still succeeds, so one bad
 * expectation neither hides the other jobs' lateness nor keeps the watchdog's errors alarm firing.
 */
export function createWatchdogJob(ports: () => WatchdogJobPorts): JobDefinition<Record<string, never>> {
  return {
    id: WATCHDOG_JOB_ID,
    title: 'Watchdog: marks jobs that missed their schedule as late',
    payloadSchema: z.object({}),
    async run(_payload, context) {
      const { store, builtInExpectations, publishLate, publishHung = publishHungMetrics, mutes } = ports();
      const builtIn = parseBuiltInExpectations(builtInExpectations);
      const result = await watchExpectations({ store, builtIn, now: context.now() });
      // Muted jobs stay marked (late, hung) on the page; their marks count toward no alarm until the mute ends.
      const muted = await mutes.activeAt(context.now());
      publishLate(result.late.filter((job) => !muted.has(job.jobKey)));
      publishHung(result.hung.filter((job) => !muted.has(job.jobKey)));
      if (result.hung.length > 0) context.logger.warn('runs are hung', { hung: result.hung });
      const lateList = result.late
        .map((job) => (muted.has(job.jobKey) ? `${job.jobKey} muted` : job.jobKey))
        .join(', ');
      const summary =
        `${result.checked} expectations checked, ${result.late.length} late${lateList ? ` (${lateList})` : ''}` +
        `, ${result.newlyLate.length} newly late` +
        (result.hung.length > 0
          ? `, ${result.hung.length} hung (${result.hung.map((job) => job.jobKey).join(', ')})`
          : '');
      if (result.late.length > 0) context.logger.warn('jobs are late', { late: result.late });
      if (result.problems.length > 0)
        context.logger.warn('expectations cannot be evaluated', { problems: result.problems });
      return {
        rows: result.checked,
        message: result.problems.length > 0 ? `${summary}; problems: ${result.problems.join('; ')}` : summary,
        details: { ...result },
      };
    },
  };
}
