import type { JobMuteStore } from '#shared/job-mutes';
import type { JobStatusStore } from '#shared/job-status-store';
import { MonitorMetric } from '#shared/monitor-metrics';
import { summaryAsLatest } from './job-pages';
import { buildJobViews } from './job-views';

/**
 * What the monitor's alarms should see of a job right now, as the metrics a report and the watchdog
 * would publish: its error (JobReportedError), its lateness (JobLate), its hung run (JobHung) and the total of late jobs that
 * are not muted (LateJobs). Unmuting publishes these at once (the API, and `ops unmute`), so a job
 * that is still failing or late alarms without waiting for its next report or the watchdog's next run.
 */
export interface MonitorCount {
  name: string;
  value: number;
  /** Published with the `job` dimension too (as publishMonitorCount does). */
  job?: string;
}

export interface AlarmState {
  error: boolean;
  late: boolean;
  hung: boolean;
  lateJobs: number;
  metrics: MonitorCount[];
}

export async function alarmStateOf(
  ports: { store: Pick<JobStatusStore, 'listLatestSummaries' | 'expectations'>; mutes: Pick<JobMuteStore, 'activeAt'> },
  jobKey: string,
  now: Date,
): Promise<AlarmState> {
  const [summaries, expectations, mutes] = await Promise.all([
    ports.store.listLatestSummaries(),
    ports.store.expectations.list(),
    ports.mutes.activeAt(now),
  ]);
  const views = buildJobViews(summaries.map(summaryAsLatest), expectations);
  const job = views.find((view) => view.job_key === jobKey);
  const error = job?.status === 'error';
  const late = job?.late === true;
  const hung = job?.hung === true;
  const lateJobs = views.filter((view) => view.late && !mutes.has(view.job_key)).length;
  const metrics: MonitorCount[] = [
    ...(error ? [{ name: MonitorMetric.jobReportedError, value: 1, job: jobKey }] : []),
    ...(late ? [{ name: MonitorMetric.jobLate, value: 1, job: jobKey }] : []),
    ...(hung ? [{ name: MonitorMetric.jobHung, value: 1, job: jobKey }] : []),
    { name: MonitorMetric.lateJobs, value: lateJobs },
  ];
  return { error, late, hung, lateJobs, metrics };
}
