import { Duration, Stack, Tags, TimeZone } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SCHEDULE_TIME_ZONE, toEventBridgeCron } from '../cron';
import { functionNameFor, type JobSpec, rerunCommand, scheduleNameFor } from '../job-spec';
import { acknowledge, acknowledgeWildcardResource } from '../nag-acknowledgements';
import { JOB_STATUS_TABLE } from '../tables';
import { AlarmFactory, type MissingDataRule, type OnCallAlarm, type OnCallAlarmSpec } from './alarm-factory';
import { NightshiftFunction } from './nightshift-function';

export interface ScheduledJobProps {
  /** The registry entry: schedules, sizing, alarms, default payload. */
  readonly spec: JobSpec;
  readonly stage: string;
  readonly scheduleGroup: scheduler.IScheduleGroup;
  /** Every alarm of the job notifies this topic (on alarm and on recovery). */
  readonly alarmTopic: sns.ITopic;
  /** Builds the job's alarms. @default a factory for `stage` and `alarmTopic` */
  readonly alarms?: AlarmFactory;
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** Required when the spec says inVpc. @default not in a VPC */
  readonly vpc?: ec2.IVpc;
  /** @default none */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Merged over the spec's environment. @default {} */
  readonly environment?: Record<string, string>;
  /** Keep the log group when the stack is deleted (prod). @default false */
  readonly retainLogs?: boolean;
  /**
   * What the schedules start, given the job's function and the schedule's target settings (payload,
   * dead-letter queue, retries). @default invoke the job's function
   */
  readonly scheduleTarget?: (
    fn: lambda.IFunction,
    targetProps: targets.ScheduleTargetBaseProps,
  ) => scheduler.IScheduleTarget;
  /** Lambda's own retries of a failed asynchronous (scheduled) invocation. @default 0 — a failed run alarms; the next slot or a re-run picks it up */
  readonly asyncRetryAttempts?: number;
}

/**
 * One scheduled job: its function and log group, EventBridge Scheduler schedules (Asia/Tokyo)
 * with retries and an encrypted dead-letter queue, a failure destination, and alarms whose
 * descriptions tell on-call what broke, where the logs are and how to re-run it.
 */
export class ScheduledJob extends Construct {
  public readonly function: NightshiftFunction;
  public readonly schedules: scheduler.Schedule[] = [];
  /** EventBridge Scheduler's dead-letter queue: events that never reached the function. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The function's failure destination: runs that started and failed (payload + error, for a re-run). */
  public readonly failedRuns: sqs.Queue;
  public readonly alarms: OnCallAlarm[] = [];
  public readonly functionName: string;
  public readonly jobId: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ScheduledJobProps,
  ) {
    super(scope, id);
    const { spec, stage } = props;
    if (spec.inVpc && !props.vpc) throw new Error(`job ${spec.id} runs in the VPC but no vpc was given`);
    this.jobId = spec.id;
    this.functionName = functionNameFor(stage, spec.id);

    this.function = new NightshiftFunction(this, 'Handler', {
      entry: spec.entry,
      functionName: this.functionName,
      description: spec.title,
      memoryMb: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      logRetentionDays: props.logRetentionDays,
      retainLogs: props.retainLogs,
      vpc: spec.inVpc ? props.vpc : undefined,
      securityGroups: spec.inVpc ? props.securityGroups : undefined,
      environment: { JOB_ID: spec.id, ...spec.environment, ...props.environment },
    });

    const queue = (queueId: string, why: string) => {
      const created = new sqs.Queue(this, queueId, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledge(created, 'SQS3', why);
      return created;
    };
    // Two queues: an undelivered event (the run never happened) and a failed run need different actions.
    this.deadLetterQueue = queue('DeadLetterQueue', 'This queue is itself the dead-letter queue of the schedules');
    this.failedRuns = queue('FailedRuns', "This queue is itself the function's failure destination");
    this.function.fn.configureAsyncInvoke({
      retryAttempts: props.asyncRetryAttempts ?? 0,
      onFailure: new lambdaDestinations.SqsDestination(this.failedRuns),
    });

    for (const schedule of spec.schedules) {
      this.schedules.push(
        new scheduler.Schedule(this, `Schedule-${schedule.name}`, {
          scheduleName: scheduleNameFor(spec.id, schedule.name),
          scheduleGroup: props.scheduleGroup,
          description: `${spec.title} (${schedule.cron} ${SCHEDULE_TIME_ZONE})`,
          schedule: scheduler.ScheduleExpression.expression(
            toEventBridgeCron(schedule.cron),
            TimeZone.of(SCHEDULE_TIME_ZONE),
          ),
          target: (props.scheduleTarget ?? ((fn, targetProps) => new targets.LambdaInvoke(fn, targetProps)))(
            this.function.fn,
            {
              input: scheduler.ScheduleTargetInput.fromObject({
                ...(schedule.payload ?? spec.defaultPayload),
                ...(spec.scheduledTimeInPayload ? { scheduled_time: scheduler.ContextAttribute.scheduledTime } : {}),
              }),
              deadLetterQueue: this.deadLetterQueue,
              retryAttempts: 3,
              maxEventAge: Duration.hours(1),
            },
          ),
        }),
      );
    }
    this.addAlarms();
    // Cost allocation per job: everything this construct creates carries the job id.
    Tags.of(this).add('job', spec.id);
  }

  get fn() {
    return this.function.fn;
  }

  /** Job-status table: 'record' writes its own outcome; 'read-write' may also query and mark other jobs. */
  bindJobStatusTable(table: dynamodb.ITableV2 | dynamodb.ITable, access: 'record' | 'read-write'): this {
    const actions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'];
    const resources = [table.tableArn];
    if (access === 'read-write') {
      actions.push('dynamodb:Query', 'dynamodb:DeleteItem');
      resources.push(`${table.tableArn}/index/${JOB_STATUS_TABLE.latestIndex.name}`);
    }
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    this.fn.addEnvironment('JOB_STATUS_TABLE', table.tableName);
    return this;
  }

  /** Object access to the bucket; with `prefix`, to keys under `<prefix>/` only (and listing only there). */
  bindBucket(bucket: s3.IBucket, access: 'read' | 'read-write', prefix?: string): this {
    const actions =
      access === 'read-write'
        ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']
        : ['s3:GetObject'];
    const objects = bucket.arnForObjects(prefix ? `${prefix}/*` : '*');
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}/*`] } } } : {}),
      }),
    );
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
    acknowledgeWildcardResource(
      this.function.role,
      objects,
      prefix
        ? `object keys are per tenant and date under ${prefix}/ of this one bucket`
        : 'object keys are per tenant and date; scoped to this one bucket',
    );
    this.fn.addEnvironment('ANALYTICS_BUCKET', bucket.bucketName);
    return this;
  }

  bindSecret(secret: secretsmanager.ISecret, environmentVariable: string): this {
    secret.grantRead(this.fn);
    this.fn.addEnvironment(environmentVariable, secret.secretArn);
    return this;
  }

  private addAlarms(): void {
    const { spec, stage } = this.props;
    const alarms = this.props.alarms ?? new AlarmFactory({ stage, topic: this.props.alarmTopic });
    const region = Stack.of(this).region;
    const whereToLook = [`Logs: aws logs tail /aws/lambda/${this.functionName} --since 2h --format short`];
    const rerun = `${rerunCommand(stage, spec)} (for a given slot or date, put it in the payload; see README "Re-running a job")`;
    const period = Duration.minutes(5);
    const absoluteSeconds = spec.alarms?.durationSeconds;
    const durationThresholdMs =
      absoluteSeconds !== undefined
        ? absoluteSeconds * 1000
        : Math.floor(spec.timeoutSeconds * 1000 * (spec.alarms?.durationShareOfTimeout ?? 0.8));
    const alarm = (
      kind: string,
      props: Omit<OnCallAlarmSpec, 'name' | 'text'>,
      meaning: string,
      firstLines: readonly string[] = [],
    ) => {
      this.alarms.push(
        alarms.create(this, kind, {
          ...props,
          name: `${spec.id}-${kind.toLowerCase()}`,
          text: {
            meaning: `${spec.title}: ${meaning}`,
            whereToLook: [...firstLines, ...whereToLook],
            rerun,
            runbook: `README.md#alarm-${kind.toLowerCase()}`,
          },
        }),
      );
    };

    alarm(
      'Errors',
      {
        metric: this.fn.metricErrors({ period, statistic: 'Sum' }),
        threshold: spec.alarms?.errors ?? 1,
        missingData: MISSING_DATA.noInvocation,
      },
      `the job ${spec.id} failed (Lambda ${this.functionName} in ${region}). The run's error is in the logs and on the status page; the failed event is in the failed-runs queue.`,
      [failingSince(stage, spec.id)],
    );
    alarm(
      'Duration',
      {
        metric: this.fn.metricDuration({ period, statistic: 'Maximum' }),
        threshold: durationThresholdMs,
        missingData: MISSING_DATA.noInvocation,
      },
      absoluteSeconds !== undefined
        ? `a run of ${spec.id} took over ${absoluteSeconds} s (its limit in the registry; timeout ${spec.timeoutSeconds} s).`
        : `a run of ${spec.id} took over ${durationThresholdMs} ms, close to its ${spec.timeoutSeconds} s timeout; the next runs may time out.`,
    );
    alarm(
      'Throttles',
      {
        metric: this.fn.metricThrottles({ period, statistic: 'Sum' }),
        threshold: 1,
        missingData: {
          treat: cloudwatch.TreatMissingData.NOT_BREACHING,
          reason:
            'a period without Throttles had no refused invocation; each throttling episode sends one ALARM and one OK',
        },
      },
      `invocations of ${spec.id} were throttled (account concurrency exhausted?): a scheduled run may not have happened.`,
    );
    alarm(
      'Undelivered',
      {
        metric: this.deadLetterQueue.metricNumberOfMessagesSent({ period, statistic: 'Sum' }),
        threshold: 1,
        missingData: {
          treat: cloudwatch.TreatMissingData.NOT_BREACHING,
          reason:
            'SQS reports nothing for a quiet queue: no event arrived. Alarming on arrivals (not on a non-empty queue) announces every new one',
        },
      },
      `EventBridge Scheduler could not invoke ${spec.id} after its retries (permissions, throttling, deleted function); the event is in the schedule dead-letter queue, the run did not happen.`,
    );
  }
}

/**
 * "Since when, how many in a row" cannot be static text. The errors alarm holds ALARM until a run
 * succeeds (missing data is ignored) and notifies once, so the notification's own time of change
 * (StateChangeTime, the datapoints in NewStateReason) is the first failed run; the job's page counts on.
 */
export function failingSince(stage: string, jobId: string): string {
  return `Failing since: this notification's StateChangeTime, the first failed run (the alarm holds ALARM until a run succeeds, and does not repeat). Runs in a row and each error: <API>/incidents/jobs/${jobId} (<API>: the JobReportUrl output of Nightshift-${stage}-Api without its path)`;
}

/** Missing-data rules shared by the job alarms, each with the reason it fits. */
const MISSING_DATA = {
  noInvocation: {
    treat: cloudwatch.TreatMissingData.IGNORE,
    reason:
      'Lambda publishes Errors and Duration for every run (Errors = 0 on success); no data means no run, which says nothing, so the state holds until the next run decides it',
  },
} as const satisfies Record<string, MissingDataRule>;
