import { Duration, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionNameFor, lambdaLogGroupName, MANUAL_TRIGGER, SERVICE_FUNCTION_IDS } from '../job-spec';
import { acknowledge } from '../nag-acknowledgements';
import { NightshiftFunction } from './nightshift-function';
import type { ScheduledJob } from './scheduled-job';

export interface ManualTriggerProps {
  readonly stage: string;
  /** The registry jobs the trigger may start. */
  readonly jobs: readonly ScheduledJob[];
  /** Its alarms notify this topic, on alarm and on recovery. */
  readonly alarmTopic: sns.ITopic;
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** @default false */
  readonly retainLogs?: boolean;
}

/**
 * One EventBridge rule per stage on the default bus: `Source=nightshift, DetailType=manual-trigger,
 * Detail={"job": "<id>", "payload": {...}}` starts that registry job. A small function reads the job
 * from the detail and invokes its function asynchronously (the job's own alarms and failure queue
 * apply). An unknown job or a bad detail fails the dispatcher: logged, alarmed, and the event kept.
 */
export class ManualTrigger extends Construct {
  public readonly function: NightshiftFunction;
  public readonly rule: events.Rule;
  /** Refused or undeliverable trigger events, with the error (14 days). */
  public readonly failedEvents: sqs.Queue;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly functionName: string;

  constructor(scope: Construct, id: string, props: ManualTriggerProps) {
    super(scope, id);
    const { stage } = props;
    this.functionName = functionNameFor(stage, SERVICE_FUNCTION_IDS.manualTrigger);
    this.function = new NightshiftFunction(this, 'Handler', {
      entry: 'lambdas/manual-trigger/handler.ts',
      functionName: this.functionName,
      description: 'Manual trigger: starts the registry job named in a manual-trigger event',
      memoryMb: 128,
      timeout: Duration.seconds(30),
      logRetentionDays: props.logRetentionDays,
      retainLogs: props.retainLogs,
      environment: {
        JOB_FUNCTIONS: JSON.stringify(Object.fromEntries(props.jobs.map((job) => [job.jobId, job.functionName]))),
      },
    });
    // The functions themselves, not `:*` versions: the trigger invokes $LATEST like the schedules.
    this.function.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: props.jobs.map((job) => job.fn.functionArn),
      }),
    );

    this.failedEvents = new sqs.Queue(this, 'FailedEvents', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.failedEvents, 'SQS3', 'This queue is itself the dead-letter queue of the manual-trigger rule');
    // A refused event is refused again on a retry: fail once, keep it in the queue.
    this.function.fn.configureAsyncInvoke({
      retryAttempts: 0,
      onFailure: new lambdaDestinations.SqsDestination(this.failedEvents),
    });

    this.rule = new events.Rule(this, 'Rule', {
      ruleName: `nightshift-${stage}-manual-trigger`,
      description: `Runs the registry job named in detail.job (nightshift ${stage})`,
      eventPattern: { source: [MANUAL_TRIGGER.source], detailType: [MANUAL_TRIGGER.detailType] },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.function.fn, {
        deadLetterQueue: this.failedEvents,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    );
    Tags.of(this).add('component', SERVICE_FUNCTION_IDS.manualTrigger);
    this.addAlarms(props);
  }

  private addAlarms(props: ManualTriggerProps): void {
    const { stage, alarmTopic } = props;
    const logs = `Logs: aws logs tail ${lambdaLogGroupName(this.functionName)} --since 2h --format short (or npm run ops -- logs ${SERVICE_FUNCTION_IDS.manualTrigger} --stage ${stage})`;
    const alarm = (id: string, metric: cloudwatch.IMetric, meaning: string) => {
      const created = new cloudwatch.Alarm(this, id, {
        alarmName: `nightshift-${stage}-manual-trigger-${id.toLowerCase()}`,
        alarmDescription: [
          meaning,
          logs,
          'The refused event and its error are in the manual-trigger failed-events queue.',
        ]
          .join('\n')
          .slice(0, 1024),
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new cwActions.SnsAction(alarmTopic));
      created.addOkAction(new cwActions.SnsAction(alarmTopic));
      this.alarms.push(created);
    };
    const period = Duration.minutes(5);
    alarm(
      'Errors',
      this.function.fn.metricErrors({ period, statistic: 'Sum' }),
      `A manual-trigger event was refused (unknown job or bad detail) or its job could not be started (${stage}).`,
    );
    alarm(
      'FailedInvocations',
      new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        dimensionsMap: { RuleName: this.rule.ruleName },
        statistic: 'Sum',
        period,
      }),
      `EventBridge could not deliver a manual-trigger event to ${this.functionName} (${stage}).`,
    );
  }
}
