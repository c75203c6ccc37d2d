import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { NIGHTSHIFT_METRICS, nightshiftDimensions } from '../metrics-contract';
import { OnCallAlarm } from './alarm-factory';
import type { ScheduledJob } from './scheduled-job';

export interface JobsDashboardProps {
  readonly stage: string;
  readonly jobs: readonly ScheduledJob[];
  /** The stage's one pager alarm, shown on top. @default none */
  readonly pager?: cloudwatch.IAlarm;
  /** Other alarms of this stack (the manual trigger's), shown by reference beside the jobs'. @default none */
  readonly stackAlarms?: readonly cloudwatch.IAlarm[];
}

/** One row per job: runs succeeded/failed, duration against the timeout, rows processed, alarm state. */
export class JobsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly shownAlarms: cloudwatch.IAlarm[] = [];

  constructor(scope: Construct, id: string, props: JobsDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `nightshift-${props.stage}`,
      defaultInterval: Duration.days(3),
    });
    if (props.pager) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: `Pager: nightshift-${props.stage}-unhealthy (any alarm below in ALARM)`,
          alarms: [props.pager],
          width: 24,
          height: 2,
        }),
      );
    }
    // The widget reads this list when the dashboard is synthesized, so showAlarms may add to it later.
    this.shownAlarms.push(...props.jobs.flatMap((job) => job.alarms), ...(props.stackAlarms ?? []));
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.shownAlarms, width: 24, height: 6 }),
    );
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

  /** Adds alarms of any stack of this stage to the status widget, by name (no cross-stack reference). */
  showAlarms(alarmNames: readonly string[]): void {
    const shown = new Set(
      this.shownAlarms.map((alarm) =>
        alarm instanceof OnCallAlarm ? alarm.fullName : Stack.of(this).resolve(alarm.alarmName),
      ),
    );
    for (const name of alarmNames) {
      if (shown.has(name)) continue;
      shown.add(name);
      const arn = Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      this.shownAlarms.push(cloudwatch.Alarm.fromAlarmArn(this, `Shown-${name}`, arn));
    }
  }
}
