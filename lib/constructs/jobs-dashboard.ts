import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { NIGHTSHIFT_METRICS, nightshiftDimensions } from '../metrics-contract';
import type { ScheduledJob } from './scheduled-job';

export interface JobsDashboardProps {
  readonly stage: string;
  readonly jobs: readonly ScheduledJob[];
}

/** One row per job: runs succeeded/failed, duration against the timeout, rows processed, alarm state. */
export class JobsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: JobsDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `nightshift-${props.stage}`,
      defaultInterval: Duration.days(3),
    });
    const allAlarms = props.jobs.flatMap((job) => job.alarms);
    if (allAlarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: 'Job alarms', alarms: allAlarms, width: 24, height: 4 }),
      );
    }
    for (const job of props.jobs) {
      const runnerMetric = (metricName: string, statistic: string) =>
        new cloudwatch.Metric({
          namespace: NIGHTSHIFT_METRICS.namespace,
          metricName,
          dimensionsMap: nightshiftDimensions(job.jobId),
          statistic,
          period: Duration.hours(1),
        });
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${job.functionName}: runs`,
          left: [runnerMetric('JobSucceeded', 'Sum'), runnerMetric('JobFailed', 'Sum')],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: `${job.functionName}: duration (ms)`,
          left: [job.fn.metricDuration({ statistic: 'Maximum', period: Duration.hours(1) })],
          leftAnnotations: [{ value: job.fn.timeout?.toMilliseconds() ?? 0, label: 'timeout' }],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: `${job.functionName}: rows processed`,
          left: [runnerMetric('RowsProcessed', 'Sum')],
          width: 8,
        }),
      );
    }
  }
}
