import { Duration, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionNameFor, lambdaLogGroupName, manualTriggerEventPattern, SERVICE_FUNCTION_IDS } from '../job-spec';
import { acknowledge } from '../nag-acknowledgements';
import { AlarmFactory, type MissingDataRule, type OnCallAlarm } from './alarm-factory';
import { NightshiftFunction } from './nightshift-function';
import type { ScheduledJob } from './scheduled-job';

export interface ManualTriggerProps {
  readonly stage: string;
  /** The registry jobs the trigger may start. */
  readonly jobs: readonly ScheduledJob[];
  /** Also answer the original command, whose detail names no stage (config `originalManualTrigger`). @default false */
  readonly answersOriginalCommand?: boolean;
  /** Its alarms notify this topic, on alarm and on recovery. */
  readonly alarmTopic: sns.ITopic;
  /** Builds its alarms. @default a factory for `stage` and `alarmTopic` */
  readonly alarms?: AlarmFactory;
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** @default false */
  readonly retainLogs?: boolean;
}

/**
 * One EventBridge rule per stage on the default bus: `Source=nightshift, DetailType=manual-trigger,
 * Detail={"stage": "<stage>", "job": "<id>", "payload": {...}}` starts that registry job in that stage
 * only (the bus is shared by every stage of the account and region); the stage that answers the original
 * command also takes a detail without a stage. A small function reads the job
 * from the detail and invokes its function asynchronously (the job's own alarms and failure queue
 * apply). An unknown job or a bad detail fails the dispatcher: logged, alarmed, and the event kept.
 */
export class ManualTrigger extends Construct {
  public readonly function: NightshiftFunction;
  public readonly rule: events.Rule;
  /** Refused or undeliverable trigger events, with the error (14 days). */
  public readonly failedEvents: sqs.Queue;
  public readonly alarms: OnCallAlarm[] = [];
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
        NIGHTSHIFT_STAGE: stage,
        ORIGINAL_MANUAL_TRIGGER: String(props.answersOriginalCommand ?? false),
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

    const pattern = manualTriggerEventPattern(stage, props.answersOriginalCommand ?? false);
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: `nightshift-${stage}-manual-trigger`,
      description: `Runs the registry job named in detail.job when detail.stage is ${stage}${props.answersOriginalCommand ? ' or absent' : ''} (nightshift ${stage})`,
      eventPattern: { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail },
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
    const { stage } = props;
    const alarms = props.alarms ?? new AlarmFactory({ stage, topic: props.alarmTopic });
    const whereToLook = [
      `Logs: aws logs tail ${lambdaLogGroupName(this.functionName)} --since 2h --format short`,
      'The refused event and its error are in the manual-trigger failed-events queue (14 days).',
    ];
    const period = Duration.minutes(5);
    const quiet: MissingDataRule = {
      treat: cloudwatch.TreatMissingData.NOT_BREACHING,
      reason: 'manual triggers are rare: a period without data had no trigger, so nothing failed',
    };
    this.alarms.push(
      alarms.create(this, 'Errors', {
        name: 'manual-trigger-errors',
        metric: this.function.fn.metricErrors({ period, statistic: 'Sum' }),
        threshold: 1,
        missingData: quiet,
        text: {
          meaning: `A manual-trigger event was refused (unknown job, another stage or bad detail) or its job could not be started (${stage}).`,
          whereToLook,
        },
      }),
      alarms.create(this, 'FailedInvocations', {
        name: 'manual-trigger-failed-invocations',
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: this.rule.ruleName },
          statistic: 'Sum',
          period,
        }),
        threshold: 1,
        missingData: quiet,
        text: {
          meaning: `EventBridge could not deliver a manual-trigger event to ${this.functionName} (${stage}).`,
          whereToLook,
        },
      }),
    );
  }
}
