import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionNameFor } from '../job-spec';
import { acknowledge, acknowledgeWildcardResource } from '../nag-acknowledgements';
import { HTTP_JOBS_TABLE, JOB_STATUS_TABLE } from '../tables';
import { AlarmFactory, type OnCallAlarm } from './alarm-factory';
import { addHttpSchedulerAlarms } from './http-scheduler-alarms';
import { NightshiftFunction } from './nightshift-function';
import { rotatableSecret } from './rotatable-secret';

export interface HttpSchedulerProps {
  readonly stage: string;
  /** The project's one HTTP API (the job monitor's): the scheduler adds its routes to it. */
  readonly api: apigwv2.HttpApi;
  readonly httpJobsTable: dynamodb.ITableV2 | dynamodb.ITable;
  /** Runs are reported here and cron/interval jobs get expectations here (status page, late alarms). */
  readonly jobStatusTable: dynamodb.ITableV2 | dynamodb.ITable;
  readonly alarmTopic: sns.ITopic;
  /** Builds the scheduler's alarms. @default a factory for `stage` and `alarmTopic` */
  readonly alarms?: AlarmFactory;
  /** Hosts the caller may reach despite the private-address guard. @default none */
  readonly allowHosts?: readonly string[];
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** Keep the admin token secret, the dead-letter queue and the log groups on stack deletion. @default false */
  readonly retain?: boolean;
}

const SWAGGER_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js'];

/**
 * The HTTP job scheduler: an API function on the shared HTTP API (`/jobs`, `/openapi.json`,
 * `/docs`), one EventBridge Scheduler schedule per job in a dedicated group, a caller function
 * the schedules invoke through a role that may do nothing else, a dead-letter queue for events
 * EventBridge could not deliver, and the alarms that tell on-call.
 */
export class HttpScheduler extends Construct {
  public readonly api: NightshiftFunction;
  public readonly caller: NightshiftFunction;
  public readonly scheduleGroup: scheduler.CfnScheduleGroup;
  public readonly schedulerRole: iam.Role;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly adminToken: secretsmanager.Secret;
  public readonly adminTokenSecretName: string;
  public readonly alarms: readonly OnCallAlarm[];
  /** e.g. `https://abc.execute-api.ap-northeast-1.amazonaws.com/docs` */
  public readonly docsUrl: string;

  constructor(scope: Construct, id: string, props: HttpSchedulerProps) {
    super(scope, id);
    const { stage } = props;
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const groupName = `nightshift-${stage}-http-jobs`;
    const secretsPrefix = `nightshift/${stage}/http-jobs`;
    const region = Stack.of(this).region;
    const account = Stack.of(this).account;

    const fixedName = `nightshift/${stage}/scheduler-admin-token`;
    this.adminToken = rotatableSecret(this, 'AdminToken', {
      // Fixed (readable) name only where the secret is kept; otherwise CloudFormation names it (redeploys cannot collide).
      fixedName: props.retain ? fixedName : undefined,
      purpose: 'HTTP job scheduler admin token (Bearer)',
      removalPolicy,
      manualRotationReason: 'Rotated by hand with the current/previous pair, so API clients switch without downtime',
    });
    // Secrets Manager takes the ARN as an id too.
    this.adminTokenSecretName = props.retain ? fixedName : this.adminToken.secretArn;

    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', { name: groupName });
    // Its schedules are made at run time by the API, not by CloudFormation: deleting the group deletes every HTTP job's schedule.
    this.scheduleGroup.applyRemovalPolicy(removalPolicy);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: `nightshift-${stage}-http-jobs-dlq`,
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });
    acknowledge(this.deadLetterQueue, 'SQS3', 'This queue is the dead-letter queue of the HTTP job schedules');

    const jobSecretsArn = `arn:${Aws.PARTITION}:secretsmanager:${region}:${account}:secret:${secretsPrefix}/*`;
    const common = { logRetentionDays: props.logRetentionDays, retainLogs: props.retain };
    const tableEnv = {
      HTTP_JOBS_TABLE: props.httpJobsTable.tableName,
      JOB_STATUS_TABLE: props.jobStatusTable.tableName,
      JOB_SECRETS_PREFIX: secretsPrefix,
      HTTP_JOBS_ALLOW_HOSTS: (props.allowHosts ?? []).join(','),
    };
    this.caller = new NightshiftFunction(this, 'Caller', {
      ...common,
      entry: 'lambdas/http-scheduler/caller-handler.ts',
      functionName: functionNameFor(stage, 'http-job-caller'),
      description: 'HTTP job caller: one signed, guarded, retried call of an HTTP job per invocation',
      memoryMb: 256,
      timeout: Duration.minutes(15),
      environment: tableEnv,
    });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'EventBridge Scheduler: may invoke the HTTP job caller and dead-letter to its queue, nothing else',
    });
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.caller.fn.functionArn] }),
    );
    this.deadLetterQueue.grantSendMessages(this.schedulerRole);

    this.api = new NightshiftFunction(this, 'Api', {
      ...common,
      entry: 'lambdas/http-scheduler/api-handler.ts',
      functionName: functionNameFor(stage, 'http-scheduler'),
      description: 'HTTP job scheduler API (/jobs), the OpenAPI document and Swagger UI',
      memoryMb: 512,
      timeout: Duration.seconds(15),
      copyIntoBundle: { 'swagger-ui': SWAGGER_FILES.map((file) => `node_modules/swagger-ui-dist/${file}`) },
      environment: {
        ...tableEnv,
        SCHEDULE_GROUP: groupName,
        CALLER_FUNCTION_ARN: this.caller.fn.functionArn,
        SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
        SCHEDULER_DLQ_ARN: this.deadLetterQueue.queueArn,
        SCHEDULER_ADMIN_TOKEN_SECRET_NAME: this.adminTokenSecretName,
      },
    });
    this.grantAccess(props, groupName, jobSecretsArn);

    const integration = new HttpLambdaIntegration('HttpScheduler', this.api.fn, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const path of ['/jobs', '/jobs/{proxy+}']) {
      props.api.addRoutes({ path, methods: [apigwv2.HttpMethod.ANY], integration });
    }
    for (const path of ['/openapi.json', '/docs', '/docs/{proxy+}']) {
      props.api.addRoutes({ path, methods: [apigwv2.HttpMethod.GET], integration });
    }
    this.docsUrl = `${props.api.apiEndpoint}/docs`;
    this.alarms = addHttpSchedulerAlarms(this, {
      alarms: props.alarms ?? new AlarmFactory({ stage, topic: props.alarmTopic }),
      caller: this.caller.fn,
      api: this.api.fn,
      deadLetterQueue: this.deadLetterQueue,
    });
  }

  private grantAccess(props: HttpSchedulerProps, groupName: string, jobSecretsArn: string): void {
    const table = props.httpJobsTable.tableArn;
    const statusTable = props.jobStatusTable.tableArn;
    const rows = [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    ];
    const { account, region } = Stack.of(this);
    for (const fn of [this.api.fn, this.caller.fn]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: rows,
          resources: [table, `${table}/index/${HTTP_JOBS_TABLE.kindIndex.name}`],
        }),
      );
      // Runs are reported (caller) and expectations kept (API) in the job-status table.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          resources: [statusTable, `${statusTable}/index/${JOB_STATUS_TABLE.latestIndex.name}`],
        }),
      );
      // A run's closing transaction checks that its job still exists and, after a failure, that the job is
      // not muted (run-ledger.ts); both functions carry the run store, whose transaction may include them.
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:ConditionCheckItem'], resources: [table, statusTable] }),
      );
    }
    // A deleted job's monitor history is deleted with it (job-forget.ts: query its rows, batch deletes).
    this.api.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem'], resources: [statusTable] }),
    );
    this.caller.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [jobSecretsArn] }),
    );
    // Each job generation gets a secret of its own, created once and never overwritten (job-secrets.ts).
    this.api.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:DeleteSecret'],
        resources: [jobSecretsArn],
      }),
    );
    this.adminToken.grantRead(this.api.fn);
    this.api.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [`arn:${Aws.PARTITION}:scheduler:${region}:${account}:schedule/${groupName}/*`],
      }),
    );
    // Passed to EventBridge Scheduler only, as the role of the schedules the API creates.
    this.api.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    this.caller.fn.grantInvoke(this.api.fn);
    const perJob = "One secret per HTTP job, created at run time under this stage's prefix";
    acknowledgeWildcardResource(this.api.role, jobSecretsArn, perJob);
    acknowledgeWildcardResource(this.caller.role, jobSecretsArn, perJob);
    acknowledgeWildcardResource(
      this.api.role,
      `arn:${Aws.PARTITION}:scheduler:${region}:${account}:schedule/${groupName}/*`,
      "One schedule per HTTP job, created at run time in this stage's schedule group",
    );
    acknowledgeWildcardResource(
      this.api.role,
      `${this.caller.fn.functionArn}:*`,
      "grantInvoke covers the caller's versions; it is the one function the API invokes (run now)",
    );
  }
}
