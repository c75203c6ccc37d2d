import { Template } from 'aws-cdk-lib/assertions';
import { publishJobMetrics } from '#shared/metrics';
import { MonitorMetric, publishMonitorCount } from '#shared/monitor-metrics';
import { publishHungMetrics } from '../../lambdas/job-watchdog/watchdog-job';
import { buildTestApp } from '../support/build-test-app';

interface EmfMetricSet {
  namespace: string;
  dimensions: Record<string, string>;
  metrics: string[];
}

/** What the Lambda code really emits: EMF lines parsed into namespace + dimension values + metric names. */
function captureEmf(act: () => void): EmfMetricSet[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((line) => line.startsWith('{')),
    );
    return true;
  });
  try {
    act();
  } finally {
    spy.mockRestore();
  }
  return lines.flatMap((line) => {
    const emf = JSON.parse(line);
    return emf._aws.CloudWatchMetrics.map(
      (set: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }) => ({
        namespace: set.Namespace,
        dimensions: Object.fromEntries(set.Dimensions[0].map((name) => [name, emf[name]])),
        metrics: set.Metrics.map((metric) => metric.Name),
      }),
    );
  });
}

/** Every CloudWatch metric the stacks query in the Nightshift namespace (alarms and dashboard widgets). */
function queriedMetrics(): Array<{ name: string; dimensions: Record<string, string> }> {
  const { stacks } = buildTestApp();
  const queried: Array<{ name: string; dimensions: Record<string, string> }> = [];
  for (const stack of [stacks.jobs, stacks.api]) {
    const template = Template.fromStack(stack);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      if (alarm.Properties.Namespace !== 'Nightshift') continue;
      const dimensions = Object.fromEntries(
        (alarm.Properties.Dimensions ?? []).map((d: { Name: string; Value: string }) => [d.Name, d.Value]),
      );
      queried.push({ name: alarm.Properties.MetricName, dimensions });
    }
    for (const dashboard of Object.values(template.findResources('AWS::CloudWatch::Dashboard'))) {
      const body = JSON.parse(
        (dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[])
          .map((part) => (typeof part === 'string' ? part : 'TOKEN')) // tokens sit inside JSON strings (ARNs, region)
          .join(''),
      );
      for (const widget of body.widgets) {
        for (const metric of widget.properties?.metrics ?? []) {
          if (metric[0] !== 'Nightshift') continue;
          const [, name, ...rest] = metric as string[];
          const pairs = rest.filter((item) => typeof item === 'string');
          const dimensions: Record<string, string> = {};
          for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
          queried.push({ name, dimensions });
        }
      }
    }
  }
  return queried;
}

const sameKeys = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.keys(a).sort()) === JSON.stringify(Object.keys(b).sort());

describe('metric contract between the Lambda code and the stacks', () => {
  const emitted = [
    ...captureEmf(() => publishJobMetrics('sample-job', { succeeded: true, durationMs: 1, rows: 1 })),
    ...captureEmf(() => publishMonitorCount(MonitorMetric.jobReportedError, 1, 'sample-job')),
    ...captureEmf(() => publishMonitorCount(MonitorMetric.jobLate, 1, 'sample-job')),
    ...captureEmf(() => publishMonitorCount(MonitorMetric.lateJobs, 0)),
    ...captureEmf(() => publishHungMetrics([{ jobKey: 'sample-job', runId: 'r', startedAt: '', since: '' }])),
  ];
  const queried = queriedMetrics();

  it('finds the runner and monitor metrics among what the alarms and the dashboard query', () => {
    const names = new Set(queried.map((metric) => metric.name));
    for (const name of [
      'JobSucceeded',
      'JobFailed',
      'RowsProcessed',
      'JobReportedError',
      'JobLate',
      'LateJobs',
      'JobHung',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('queries every Nightshift metric with exactly the dimensions the code emits it with', () => {
    const unmatched = queried.filter(
      (metric) =>
        !emitted.some(
          (set) =>
            set.namespace === 'Nightshift' &&
            set.metrics.includes(metric.name) &&
            sameKeys(set.dimensions, metric.dimensions) &&
            set.dimensions.service === metric.dimensions.service,
        ),
    );
    expect(unmatched).toEqual([]);
  });
});
