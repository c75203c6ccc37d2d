import { Arn, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcardResource } from '../nag-acknowledgements';
import { AlarmFactory, type OnCallAlarm } from './alarm-factory';

export interface DailyParquetScaleOutProps {
  readonly stage: string;
  /** The daily-parquet function: every step is one invocation of it. */
  readonly fn: lambda.IFunction;
  /** Items (tenant × time slice) running at the same time. */
  readonly maxConcurrency: number;
  readonly alarmTopic: sns.ITopic;
  /** Builds the alarms. @default a factory for `stage` and `alarmTopic` */
  readonly alarms?: AlarmFactory;
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** Keep the execution log group when the stack is deleted (prod). @default false */
  readonly retainLogs?: boolean;
}

/**
 * daily-parquet beyond one invocation: Plan → Distributed Map over tenant × time-slice items
 * (per-item retries; a failed item is caught and the map goes on) → Publish, which switches the
 * partitions whose slices all succeeded, records the outcome and fails the execution if any
 * tenant failed. Failed, timed-out and aborted executions alarm like a job's errors.
 */
export class DailyParquetScaleOut extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly alarms: OnCallAlarm[] = [];

  constructor(scope: Construct, id: string, props: DailyParquetScaleOutProps) {
    super(scope, id);
    const plan = new tasks.LambdaInvoke(this, 'Plan', {
      lambdaFunction: props.fn,
      payload: sfn.TaskInput.fromObject({
        step: 'plan',
        input: sfn.JsonPath.objectAt('$'),
        run_id: sfn.JsonPath.stringAt('$$.Execution.Name'),
      }),
      payloadResponseOnly: true,
      resultPath: '$.plan',
    });
    const slice = new tasks.LambdaInvoke(this, 'WriteSlice', {
      lambdaFunction: props.fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    slice.addRetry({
      errors: ['States.TaskFailed', 'States.Timeout'],
      maxAttempts: 2,
      interval: Duration.seconds(10),
      backoffRate: 2,
    });
    // The slice left its error in S3; Publish marks its tenant failed and the others go on.
    slice.addCatch(new sfn.Pass(this, 'SliceFailed'), { resultPath: '$.error' });
    const slices = new sfn.DistributedMap(this, 'Slices', {
      itemsPath: '$.plan.items',
      maxConcurrency: props.maxConcurrency,
      resultPath: sfn.JsonPath.DISCARD,
    });
    slices.itemProcessor(slice);
    const publish = new tasks.LambdaInvoke(this, 'Publish', {
      lambdaFunction: props.fn,
      payload: sfn.TaskInput.fromObject({
        step: 'publish',
        run_id: sfn.JsonPath.stringAt('$.plan.run_id'),
        target_date: sfn.JsonPath.stringAt('$.plan.target_date'),
        tenants: sfn.JsonPath.listAt('$.plan.tenants'),
        slices: sfn.JsonPath.numberAt('$.plan.slices'),
      }),
      payloadResponseOnly: true,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/nightshift-${props.stage}-daily-parquet`,
      retention: (props.logRetentionDays ?? 7) as logs.RetentionDays,
      // Fixed name: kept only where the stage keeps its logs (then imported on the next deploy, docs/deploy.md).
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `nightshift-${props.stage}-daily-parquet`,
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(slices).next(publish)),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      // Every state transition, without the payloads (tenant ids and counts only, but no need to keep them twice).
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeWildcards(props.fn);

    const alarms = props.alarms ?? new AlarmFactory({ stage: props.stage, topic: props.alarmTopic });
    const alarm = (id: string, metric: cloudwatch.IMetric, meaning: string) => {
      this.alarms.push(
        alarms.create(this, id, {
          name: `daily-parquet-scale-out-${id.toLowerCase()}`,
          metric,
          threshold: 1,
          missingData: {
            treat: cloudwatch.TreatMissingData.IGNORE,
            reason:
              'Step Functions publishes execution metrics only when executions end; no data says nothing, so the state holds until the next execution',
          },
          text: {
            meaning: `daily-parquet scale-out: ${meaning}`,
            whereToLook: [
              `Executions: aws stepfunctions list-executions --state-machine-arn <${this.stateMachine.stateMachineName}> --status-filter FAILED`,
            ],
            rerun: `aws stepfunctions start-execution --state-machine-arn <arn> --input '{"target_date":"YYYY-MM-DD"}'`,
            runbook: 'docs/daily-parquet.md#scale-out-mode',
          },
        }),
      );
    };
    const period = Duration.minutes(5);
    alarm(
      'Failed',
      this.stateMachine.metricFailed({ period, statistic: 'Sum' }),
      'an execution failed (a tenant failed or a step errored).',
    );
    alarm('TimedOut', this.stateMachine.metricTimedOut({ period, statistic: 'Sum' }), 'an execution timed out.');
    alarm('Aborted', this.stateMachine.metricAborted({ period, statistic: 'Sum' }), 'an execution was aborted.');
  }

  /** The wildcards Step Functions itself needs, each acknowledged on its own. */
  private acknowledgeWildcards(fn: lambda.IFunction): void {
    const role = this.stateMachine.role;
    acknowledgeWildcardResource(
      role,
      `${fn.functionArn}:*`,
      'the state machine invokes any version of the one job function',
    );
    acknowledge(
      role,
      'IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions',
    );
    // The ARN Step Functions grants the Distributed Map for its child executions, built as CDK builds it.
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: Arn.split(this.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    for (const suffix of [':*', '/*:*']) {
      acknowledgeWildcardResource(
        this.stateMachine,
        `${executions}${suffix}`,
        'Distributed Map starts and stops child executions of this state machine only',
      );
    }
  }
}
