import { Arn, ArnFormat, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { NightshiftConfig } from '../config';
import type { AlarmFactory } from '../constructs/alarm-factory';
import { DailyParquetScaleOut } from '../constructs/daily-parquet-scale-out';
import { DatabaseMigrations } from '../constructs/database-migrations';
import { JobsDashboard } from '../constructs/jobs-dashboard';
import { ManualTrigger } from '../constructs/manual-trigger';
import { ScheduledJob } from '../constructs/scheduled-job';
import { UnhealthyAlarm } from '../constructs/unhealthy-alarm';
import { databaseRolePrefix, jobDatabaseRoles } from '../database-roles';
import { builtInExpectations } from '../expectations';
import { functionNameFor, type JobSpec, SERVICE_FUNCTION_IDS, scheduleGroupNameFor } from '../job-spec';
import { acknowledgeWildcardResource } from '../nag-acknowledgements';
import { analyticsBucketName, jobStatusTableName, messagesTableName } from '../resource-names';
import { type DatabaseEndpoint, databaseClientGroupIn, databaseEndpointIn } from './database-link';

export interface JobsStackProps extends StackProps {
  readonly config: NightshiftConfig;
  /** The registry (lib/jobs.ts); tests pass their own. */
  readonly jobs: readonly JobSpec[];
  readonly vpc: ec2.IVpc;
  readonly alarmTopic: sns.ITopic;
  /** @default a factory for the stage and alarmTopic */
  readonly alarms?: AlarmFactory;
}

/** Every registry job as a ScheduledJob, granted exactly what its entry asks for. */
export class JobsStack extends Stack {
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  public readonly jobs = new Map<string, ScheduledJob>();
  public readonly dashboard: JobsDashboard;
  /** The deploy-time schema step; only when a job uses the database. */
  public readonly migrations?: DatabaseMigrations;
  /** `nightshift-<stage>-unhealthy`: the composite over every on-call alarm of the stage. */
  public readonly unhealthy: UnhealthyAlarm;
  /** The stage's manual-trigger rule (put-events → the named registry job). */
  public readonly manualTrigger: ManualTrigger;
  /** Only when config.dailyParquet.scaleOut.enabled. */
  public dailyParquetScaleOut?: DailyParquetScaleOut;
  private readonly jobStatusTable: dynamodb.ITableV2;
  /** Read from config or the data stack's SSM parameters, never through an export (database-link.ts). */
  private readonly database: DatabaseEndpoint;
  private readonly databaseClientSecurityGroup: ec2.ISecurityGroup;
  private readonly analyticsBucket: s3.IBucket;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: JobsStackProps,
  ) {
    super(scope, id, props);
    const { config } = props;
    this.database = databaseEndpointIn(this, config);
    this.databaseClientSecurityGroup = databaseClientGroupIn(this, config);
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: scheduleGroupNameFor(config.stage),
      // Holds nothing the registry cannot recreate; kept, its fixed name would block the next deploy.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // By name, not by cross-stack reference: grants then name ARNs this stack can write down.
    this.jobStatusTable = dynamodb.TableV2.fromTableName(this, 'JobStatusTable', jobStatusTableName(config.stage));
    this.analyticsBucket = s3.Bucket.fromBucketName(
      this,
      'AnalyticsBucket',
      analyticsBucketName(config.stage, config.region),
    );
    const databaseJobs = props.jobs.filter((spec) => (spec.secrets ?? []).includes('database'));
    if (databaseJobs.length > 0) {
      this.migrations = new DatabaseMigrations(this, 'DatabaseMigrations', {
        functionName: functionNameFor(config.stage, SERVICE_FUNCTION_IDS.databaseMigrations),
        vpc: props.vpc,
        securityGroups: [this.databaseClientSecurityGroup],
        host: this.database.host,
        port: this.database.port,
        databaseName: this.database.databaseName,
        // Imported with its customer key (database-link.ts): grantRead covers kms:Decrypt too.
        secret: this.database.secret,
        roles: jobDatabaseRoles(databaseJobs, {
          rolePrefix: databaseRolePrefix(config.stage),
          settingsOf: (jobId) => config.jobSettings[jobId] ?? {},
        }),
        logRetentionDays: config.logRetentionDays,
        retainLogs: config.protectData,
      });
      Tags.of(this.migrations).add('component', SERVICE_FUNCTION_IDS.databaseMigrations);
    }
    for (const spec of props.jobs) this.jobs.set(spec.id, this.addJob(spec));
    // A job never runs against a schema, or with a role, older than its code and settings.
    this.migrations?.runBefore(...databaseJobs.map((spec) => this.jobs.get(spec.id) as ScheduledJob));
    this.manualTrigger = new ManualTrigger(this, 'ManualTrigger', {
      stage: config.stage,
      jobs: [...this.jobs.values()],
      answersOriginalCommand: config.originalManualTrigger,
      alarmTopic: props.alarmTopic,
      alarms: props.alarms,
      logRetentionDays: config.logRetentionDays,
      retainLogs: config.protectData,
    });
    this.unhealthy = new UnhealthyAlarm(this, 'Unhealthy', { stage: config.stage, topic: props.alarmTopic });
    this.dashboard = new JobsDashboard(this, 'Dashboard', {
      stage: config.stage,
      jobs: [...this.jobs.values()],
      pager: this.unhealthy.alarm,
      stackAlarms: this.manualTrigger.alarms,
    });
    for (const role of this.node.findAll().filter((c) => c.node.id.startsWith('SchedulerRoleForTarget'))) {
      for (const job of this.jobs.values()) {
        acknowledgeWildcardResource(
          role,
          `${job.fn.functionArn}:*`,
          'EventBridge Scheduler may invoke any version of the job function it targets',
        );
      }
    }
  }

  private addJob(spec: JobSpec): ScheduledJob {
    const { config } = this.props;
    const job = new ScheduledJob(this, `Job-${spec.id}`, {
      spec,
      stage: config.stage,
      scheduleGroup: this.scheduleGroup,
      alarmTopic: this.props.alarmTopic,
      alarms: this.props.alarms,
      logRetentionDays: config.logRetentionDays,
      retainLogs: config.protectData,
      vpc: this.props.vpc,
      securityGroups: [this.databaseClientSecurityGroup],
      scheduleTarget: this.scaleOutTarget(spec),
      environment: {
        JOB_SETTINGS: JSON.stringify(config.jobSettings[spec.id] ?? {}),
        ...(spec.watchesRegistry
          ? { BUILT_IN_EXPECTATIONS: JSON.stringify(builtInExpectations(this.props.jobs)) }
          : {}),
      },
    });
    job.bindJobStatusTable(this.jobStatusTable, spec.jobStatusTable ?? 'record');
    if (spec.analyticsBucket) job.bindBucket(this.analyticsBucket, spec.analyticsBucket, spec.analyticsPrefix);
    if (spec.messagesTable) this.bindMessagesTable(job);
    for (const secret of spec.secrets ?? []) {
      if (secret === 'database') this.bindDatabase(job);
      if (secret === 'ftp') this.bindFtpSecrets(job);
      if (secret === 'youtube') this.bindYoutubeSecret(job);
    }
    return job;
  }

  /** Query on the messages table (created by the data stack or imported by name), its key names, the tenants. */
  private bindMessagesTable(job: ScheduledJob): void {
    const { config } = this.props;
    const source = config.dailyParquet.messagesTable;
    const tableName = source.mode === 'import' ? source.tableName : messagesTableName(config.stage);
    const table = dynamodb.TableV2.fromTableName(this, `MessagesTable-${job.jobId}`, tableName);
    job.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.tableArn] }));
    job.fn.addEnvironment('MESSAGES_TABLE', tableName);
    if (source.mode === 'import') {
      job.fn.addEnvironment('MESSAGES_PARTITION_KEY', source.partitionKey);
      job.fn.addEnvironment('MESSAGES_SORT_KEY', source.sortKey);
    }
    if (config.tenants.length > 0) job.fn.addEnvironment('TENANT_ID', config.tenants.join(','));
  }

  /** daily-parquet in scale-out mode: its schedule starts the state machine, whose steps invoke the same function. */
  private scaleOutTarget(spec: JobSpec) {
    const { config } = this.props;
    if (spec.id !== 'daily-parquet' || !config.dailyParquet.scaleOut.enabled) return undefined;
    return (fn: lambda.IFunction, targetProps: targets.ScheduleTargetBaseProps) => {
      const { maxConcurrency, slicesPerDay } = config.dailyParquet.scaleOut;
      this.dailyParquetScaleOut ??= new DailyParquetScaleOut(this, 'DailyParquetScaleOut', {
        stage: config.stage,
        fn,
        maxConcurrency,
        alarmTopic: this.props.alarmTopic,
        alarms: this.props.alarms,
        logRetentionDays: config.logRetentionDays,
        retainLogs: config.protectData,
      });
      (fn as lambda.Function).addEnvironment('SCALE_OUT_SLICES', String(slicesPerDay));
      return new targets.StepFunctionsStartExecution(this.dailyParquetScaleOut.stateMachine, targetProps);
    };
  }

  /** The job's own role secret (created with the migrations), never the admin user's; host, port and name. */
  private bindDatabase(job: ScheduledJob): void {
    const { database } = this;
    const secret = this.migrations?.roleSecrets.get(job.jobId);
    if (!secret) throw new Error(`job ${job.jobId} reads the database but has no role secret`);
    job.bindSecret(secret, 'DB_SECRET_ARN');
    job.fn.addEnvironment('DB_HOST', database.host);
    job.fn.addEnvironment('DB_PORT', database.port);
    job.fn.addEnvironment('DB_NAME', database.databaseName);
  }

  /** The YouTube Data API key: read-only, this one secret, to the jobs whose entry names it. */
  private bindYoutubeSecret(job: ScheduledJob): void {
    const name = this.props.config.youtubeSecretName;
    const arn = Arn.format(
      {
        service: 'secretsmanager',
        resource: 'secret',
        // Secrets Manager appends "-" and 6 random characters to every secret ARN.
        resourceName: `${name}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      this,
    );
    job.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [arn],
      }),
    );
    job.fn.addEnvironment('YOUTUBE_SECRET_NAME', name);
  }

  /** The default FTP secret and the per-recipient ones under its name (`<name>/<recipient>`), nothing else. */
  private bindFtpSecrets(job: ScheduledJob): void {
    const name = this.props.config.ftpSecretName;
    const secretArn = (resourceName: string) =>
      Arn.format(
        { service: 'secretsmanager', resource: 'secret', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
        this,
      );
    // Secrets Manager appends "-" and 6 random characters to every secret ARN.
    const recipients = secretArn(`${name}/*`);
    job.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [secretArn(`${name}-??????`), recipients],
      }),
    );
    acknowledgeWildcardResource(
      job.function.role,
      recipients,
      `per-recipient FTP secrets live under ${name}/; the grant covers that prefix only`,
    );
    job.fn.addEnvironment('FTP_SECRET_NAME', name);
  }
}
