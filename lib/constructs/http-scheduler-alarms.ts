import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { functionNameFor } from '../job-spec';
import type { AlarmFactory, OnCallAlarm } from './alarm-factory';

export interface HttpSchedulerAlarmProps {
  readonly alarms: AlarmFactory;
  readonly caller: lambda.IFunction;
  readonly api: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
}

const NO_INVOCATION = {
  treat: cloudwatch.TreatMissingData.IGNORE,
  reason: 'Lambda publishes Errors for every invocation (0 on success); no data means no call, so the state holds',
};

/**
 * The HTTP job scheduler's own alarms, through the alarm factory. A failed HTTP call itself is a job
 * outcome: the job monitor's JobReportedError and late alarms cover it, like any job.
 */
export function addHttpSchedulerAlarms(scope: Construct, props: HttpSchedulerAlarmProps): OnCallAlarm[] {
  const { alarms } = props;
  const stage = alarms.stage;
  const region = Stack.of(scope).region;
  const fiveMinutes = Duration.minutes(5);
  const logs = (id: string) =>
    `Logs: aws logs tail /aws/lambda/${functionNameFor(stage, id)} --since 2h --format short`;
  const rerun = `curl -X POST -H "Authorization: Bearer <admin token>" <api>/jobs/<job_id>/run`;
  return [
    alarms.create(scope, 'HttpJobCallerErrors', {
      name: 'http-job-caller-errors',
      metric: props.caller.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      missingData: NO_INVOCATION,
      text: {
        meaning: `The HTTP job caller failed (${stage}, ${region}): runs may not be recorded.`,
        whereToLook: [logs('http-job-caller')],
        rerun,
        runbook: 'docs/http-scheduler.md#alarm-httpjobcallererrors',
      },
    }),
    alarms.create(scope, 'HttpJobDeadLetters', {
      name: 'http-job-dead-letters',
      // Messages arriving, not a queue that is not empty: each undelivered run alarms, even before a purge.
      metric: props.deadLetterQueue.metricNumberOfMessagesSent({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      missingData: {
        treat: cloudwatch.TreatMissingData.NOT_BREACHING,
        reason: 'SQS publishes nothing for an idle queue; no data means nothing arrived',
      },
      text: {
        meaning: `EventBridge Scheduler could not deliver an HTTP job's run to the caller (${stage}); the event is in the dead-letter queue.`,
        whereToLook: [`Read it: aws sqs receive-message --queue-url <queue nightshift-${stage}-http-jobs-dlq>`],
        rerun,
        runbook: 'docs/http-scheduler.md#alarm-httpjobdeadletters',
      },
    }),
    alarms.create(scope, 'HttpSchedulerApiErrors', {
      name: 'http-scheduler-api-errors',
      metric: props.api.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      missingData: NO_INVOCATION,
      text: {
        meaning: `The HTTP job scheduler API function failed (${stage}, ${region}).`,
        whereToLook: [logs('http-scheduler')],
        runbook: 'docs/http-scheduler.md#alarm-httpschedulerapierrors',
      },
    }),
  ];
}
