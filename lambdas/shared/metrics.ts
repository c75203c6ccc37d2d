import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'Nightshift';
/**
 * The `service` dimension Powertools adds to every metric. Alarms and the dashboard (lib/) must
 * query exactly { service, job }; test/infra/metric-contract.test.ts holds the two sides together.
 */
export const METRICS_SERVICE = 'nightshift';

/** The metric names every job emits (dimension `job`); the alarms and the dashboard read the same names. */
export const JobMetric = {
  succeeded: 'JobSucceeded',
  failed: 'JobFailed',
  durationMs: 'JobDurationMs',
  rowsProcessed: 'RowsProcessed',
} as const;

export interface JobRunMetrics {
  succeeded: boolean;
  durationMs: number;
  rows?: number;
}

/** EMF metrics for one run, flushed at once so a crashing Lambda still reports what it did. */
export function publishJobMetrics(jobId: string, run: JobRunMetrics): void {
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: METRICS_SERVICE,
    defaultDimensions: { job: jobId },
  });
  metrics.addMetric(JobMetric.succeeded, MetricUnit.Count, run.succeeded ? 1 : 0);
  metrics.addMetric(JobMetric.failed, MetricUnit.Count, run.succeeded ? 0 : 1);
  metrics.addMetric(JobMetric.durationMs, MetricUnit.Milliseconds, run.durationMs);
  if (run.rows !== undefined) metrics.addMetric(JobMetric.rowsProcessed, MetricUnit.Count, run.rows);
  metrics.publishStoredMetrics();
}
