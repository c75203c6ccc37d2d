/**
 * Where nightshift's own metrics live, for the alarms and the dashboard: namespace Nightshift,
 * dimension `service` (Powertools adds it to every metric) plus `job` where a metric is per job.
 * CloudWatch matches dimension sets exactly, so these must equal what lambdas/shared/metrics.ts
 * emits; test/infra/metric-contract.test.ts compares them with real EMF output.
 */
export const NIGHTSHIFT_METRICS = { namespace: 'Nightshift', service: 'nightshift' } as const;

export function nightshiftDimensions(job?: string): Record<string, string> {
  return job ? { service: NIGHTSHIFT_METRICS.service, job } : { service: NIGHTSHIFT_METRICS.service };
}
