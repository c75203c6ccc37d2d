import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { functionNameFor } from '../job-spec';

export interface HttpSchedulerAlarmProps {
  readonly stage: string;
  readonly alarmTopic: sns.ITopic;
  readonly caller: lambda.IFunction;
  readonly api: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The HTTP job scheduler's alarms, in one function so they can move to a shared alarm factory as
 * they are: each says what broke, where the logs are and how to re-run, and notifies on alarm
 * and on recovery. A failed HTTP call itself is a job outcome: the job monitor's JobReportedError and late
 * alarms cover it, like any job.
 */
export function addHttpSchedulerAlarms(scope: Construct, props: HttpSchedulerAlarmProps): cloudwatch.Alarm[] {
  const { stage, alarmTopic } = props;
  const region = Stack.of(scope).region;
  const fiveMinutes = Duration.minutes(5);
  const logs = (id: string) =>
    `Logs: aws logs tail /aws/lambda/${functionNameFor(stage, id)} --since 2h --format short`;
  const rerun = `Re-run a job: curl -X POST -H "Authorization: Bearer <admin token>" <api>/jobs/<job_id>/run`;
  const alarms: cloudwatch.Alarm[] = [];
  const alarm = (id: string, lines: string[], metric: cloudwatch.IMetric) => {
    const created = new cloudwatch.Alarm(scope, id, {
      alarmName: `nightshift-${stage}-${id.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`,
      alarmDescription: [...lines, `Runbook: docs/http-scheduler.md#alarm-${id.toLowerCase()}`].join('\n'),
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    created.addAlarmAction(new cwActions.SnsAction(alarmTopic));
    created.addOkAction(new cwActions.SnsAction(alarmTopic));
    alarms.push(created);
  };
  alarm(
    'HttpJobCallerErrors',
    [`The HTTP job caller failed (${stage}, ${region}): runs may not be recorded.`, logs('http-job-caller'), rerun],
    props.caller.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
  );
  alarm(
    'HttpJobDeadLetters',
    [
      `EventBridge Scheduler could not deliver an HTTP job's run to the caller (${stage}); the event is in the dead-letter queue.`,
      `Read it: aws sqs receive-message --queue-url <queue nightshift-${stage}-http-jobs-dlq>`,
      rerun,
    ],
    props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
  );
  alarm(
    'HttpSchedulerApiErrors',
    [`The HTTP job scheduler API function failed (${stage}, ${region}).`, logs('http-scheduler')],
    props.api.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
  );
  return alarms;
}
