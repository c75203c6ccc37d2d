import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, METRICS_SERVICE } from './metrics';

/**
 * Metrics of the job monitor (namespace Nightshift). Each is published twice: with the `service`
 * dimension only (what the "any job" alarms watch) and with `job` too (what the dashboard splits by).
 */
export const MonitorMetric = {
  /** A report with status error arrived (API). */
  jobReportedError: 'JobReportedError',
  /** A job is late, once per watchdog run while it stays late. */
  jobLate: 'JobLate',
  /** How many jobs are late, every watchdog run (0 included, so the alarm has data). */
  lateJobs: 'LateJobs',
  /** A job's run outlived its max runtime (hung), once per watchdog run while it stays so. */
  jobHung: 'JobHung',
} as const;

export function publishMonitorCount(name: string, value: number, job?: string): void {
  const total = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  total.addMetric(name, MetricUnit.Count, value);
  total.publishStoredMetrics();
  if (job === undefined) return;
  const perJob = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: METRICS_SERVICE,
    defaultDimensions: { job },
  });
  perJob.addMetric(name, MetricUnit.Count, value);
  perJob.publishStoredMetrics();
}
