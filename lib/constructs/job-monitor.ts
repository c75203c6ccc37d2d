import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { BuiltInJobInfo } from '../../contracts/job-commands';
import { functionNameFor } from '../job-spec';
import { NIGHTSHIFT_METRICS, nightshiftDimensions } from '../metrics-contract';
import { acknowledge } from '../nag-acknowledgements';
import { jobReadTokenSecretName } from '../resource-names';
import { JOB_STATUS_TABLE } from '../tables';
import { AlarmFactory, kebabCase, type OnCallAlarm, type OnCallAlarmSpec } from './alarm-factory';
import { NightshiftFunction } from './nightshift-function';
import { rotatableSecret } from './rotatable-secret';

export interface JobMonitorProps {
  readonly stage: string;
  /** The job-status table the API reads and writes (reports, history, expectations). */
  readonly jobStatusTable: dynamodb.ITableV2 | dynamodb.ITable;
  /** Every alarm notifies this topic, on alarm and on recovery. */
  readonly alarmTopic: sns.ITopic;
  /** Builds the monitor's alarms. @default a factory for `stage` and `alarmTopic` */
  readonly alarms?: AlarmFactory;
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** Secrets Manager name of the write secret `{"current", "previous"}`. @default `nightshift/<stage>/job-report-secret` when retained, else generated */
  readonly writeSecretName?: string;
  /** Secrets Manager name of the read token `{"current", "previous"}`. @default `nightshift/<stage>/job-read-token` when retained, else generated */
  readonly readTokenSecretName?: string;
  /** Stage throttling. @default { burstLimit: 50, rateLimit: 20 } */
  readonly throttle?: apigwv2.ThrottleSettings;
  /** Days history rows are kept. @default 90 */
  readonly historyTtlDays?: number;
  /** The registry job that marks late jobs (its logs are in the late alarm's text). @default none */
  readonly watchdogJobId?: string;
  /** Jobs that get their own "late" alarm naming them (the registry's); any job is covered by the aggregate one. @default [] */
  readonly lateAlarmJobs?: readonly string[];
  /** The registry jobs, for the job page's runbook links and re-run commands (BUILT_IN_JOBS). @default none */
  readonly builtInJobs?: readonly BuiltInJobInfo[];
  /** Where docs/runbook.md is published, for the job page's links (RUNBOOK_URL). @default the page names the sections */
  readonly runbookUrl?: string;
  /** Keep the secrets and log groups when the stack is deleted. @default false */
  readonly retain?: boolean;
}

/**
 * The job monitor's HTTP API (the TC Portal job-report endpoint, the read API and /incidents) as one
 * Lambda behind an HTTP API, with its two secrets, throttling, access logs and the alarms that
 * tell on-call a job reported an error or stopped reporting.
 */
export class JobMonitor extends Construct {
  public readonly function: NightshiftFunction;
  public readonly fn: NightshiftFunction['fn'];
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogs: logs.LogGroup;
  public readonly writeSecret: secretsmanager.Secret;
  public readonly readToken: secretsmanager.Secret;
  public readonly writeSecretName: string;
  public readonly readTokenSecretName: string;
  public readonly alarms: OnCallAlarm[] = [];
  /** e.g. `https://abc.execute-api.ap-northeast-1.amazonaws.com/incidents` */
  public readonly statusPageUrl: string;
  public readonly reportUrl: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: JobMonitorProps,
  ) {
    super(scope, id);
    const { stage } = props;
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const reason =
      'Rotated by hand with the current/previous pair, so reporters outside AWS can switch without downtime';
    const secret = (secretId: string, name: string, purpose: string) =>
      rotatableSecret(this, secretId, {
        fixedName: fixedNames ? name : undefined,
        purpose,
        removalPolicy,
        manualRotationReason: reason,
      });
    const fixedNames = Boolean(props.retain || props.writeSecretName || props.readTokenSecretName);
    this.writeSecret = secret(
      'WriteSecret',
      props.writeSecretName ?? `nightshift/${stage}/job-report-secret`,
      'Job-report write secret (X-TC-Portal-Webhook-Secret)',
    );
    this.readToken = secret(
      'ReadToken',
      props.readTokenSecretName ?? jobReadTokenSecretName(stage),
      'Job monitor read token (Bearer, or Basic password on /incidents)',
    );
    // Plain strings where the names are fixed (readable in alarm text); otherwise the ARN, which Secrets Manager takes as an id too.
    this.writeSecretName = fixedNames
      ? (props.writeSecretName ?? `nightshift/${stage}/job-report-secret`)
      : this.writeSecret.secretArn;
    this.readTokenSecretName = fixedNames
      ? (props.readTokenSecretName ?? jobReadTokenSecretName(stage))
      : this.readToken.secretArn;

    this.function = new NightshiftFunction(this, 'Handler', {
      entry: 'lambdas/job-monitor/handler.ts',
      functionName: functionNameFor(stage, 'job-monitor'),
      description: 'Job monitor API: job reports, job status, expectations, /incidents',
      memoryMb: 256,
      timeout: Duration.seconds(10),
      logRetentionDays: props.logRetentionDays,
      retainLogs: props.retain,
      environment: {
        JOB_STATUS_TABLE: props.jobStatusTable.tableName,
        JOB_REPORT_SECRET_NAME: this.writeSecretName,
        JOB_READ_TOKEN_SECRET_NAME: this.readTokenSecretName,
        HISTORY_TTL_DAYS: String(props.historyTtlDays ?? 90),
        NIGHTSHIFT_STAGE: stage,
        BUILT_IN_JOBS: JSON.stringify(props.builtInJobs ?? []),
        ...(props.runbookUrl ? { RUNBOOK_URL: props.runbookUrl } : {}),
      },
    });
    this.fn = this.function.fn;
    this.writeSecret.grantRead(this.fn);
    this.readToken.grantRead(this.fn);
    // Exactly what the store does: reports (put/update), reads (get, batch get of the listed jobs' latest
    // statuses, query on the latest-status index), expectations and mutes (delete), a deleted job's history
    // (batch write of deletes). test/infra/permissions.test.ts checks it.
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:Query',
        ],
        resources: [
          props.jobStatusTable.tableArn,
          `${props.jobStatusTable.tableArn}/index/${JOB_STATUS_TABLE.latestIndex.name}`,
        ],
      }),
    );

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: this.accessLogGroupName(),
      retention: (props.logRetentionDays ?? 7) as logs.RetentionDays,
      removalPolicy,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `nightshift-${stage}-job-monitor`,
      description: 'nightshift job monitor: POST /api/monitor/job-report, read API, /incidents',
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { burstLimit: 50, rateLimit: 20 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        // No header appears here: the write secret and the read token travel in headers.
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration('Monitor', this.fn, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    this.api.addRoutes({ path: '/api/monitor/{proxy+}', methods: [apigwv2.HttpMethod.ANY], integration });
    this.api.addRoutes({ path: '/incidents', methods: [apigwv2.HttpMethod.GET], integration });
    // The job pages: /incidents/jobs/{job_key}.
    this.api.addRoutes({ path: '/incidents/{proxy+}', methods: [apigwv2.HttpMethod.GET], integration });
    acknowledge(this.api, 'APIG4', 'Authorization is in the function: the TC Portal webhook secret and the read token');

    this.reportUrl = `${this.api.apiEndpoint}/api/monitor/job-report`;
    this.statusPageUrl = `${this.api.apiEndpoint}/incidents`;
    this.addAlarms();
  }

  /** A plain string (LogGroup.logGroupName is a token), so alarm text can name it. */
  private accessLogGroupName(): string {
    return `/nightshift/${this.props.stage}/job-monitor/access`;
  }

  private addAlarms(): void {
    const { stage } = this.props;
    const alarms = this.props.alarms ?? new AlarmFactory({ stage, topic: this.props.alarmTopic });
    const region = Stack.of(this).region;
    const functionName = functionNameFor(stage, 'job-monitor');
    const statusPage = `Status page: ${this.statusPageUrl} (user: any, password: the read token in ${this.readTokenSecretName})`;
    const appLogs = `Logs: aws logs tail /aws/lambda/${functionName} --since 2h --format short`;
    const accessLogs = `Access logs: aws logs tail ${this.accessLogGroupName()} --since 2h --format short`;
    const metric = (metricName: string, statistic: string, period: Duration, job?: string) =>
      new cloudwatch.Metric({
        namespace: NIGHTSHIFT_METRICS.namespace,
        metricName,
        dimensionsMap: nightshiftDimensions(job),
        statistic,
        period,
      });
    const alarm = (
      id: string,
      [meaning, ...whereToLook]: string[],
      options: Omit<OnCallAlarmSpec, 'name' | 'text'>,
      runbook = id.toLowerCase(),
    ) => {
      this.alarms.push(
        alarms.create(this, id, {
          ...options,
          name: kebabCase(id),
          text: { meaning, whereToLook, runbook: `docs/job-monitor.md#alarm-${runbook}` },
        }),
      );
    };
    const fiveMinutes = Duration.minutes(5);
    // The monitor's metrics are published only when something happens: a quiet period is a good one.
    const quiet = {
      treat: cloudwatch.TreatMissingData.NOT_BREACHING,
      reason: 'the metric is published only when the event happens; a period without it had none',
    };

    alarm(
      'JobReportedError',
      [
        `A job reported status "error" to the job monitor (${stage}). Which job and its message: ${statusPage}`,
        appLogs,
      ],
      { metric: metric('JobReportedError', 'Sum', fiveMinutes), threshold: 1, missingData: quiet },
    );
    alarm(
      'JobLate',
      [
        `A job missed its expected report (late) (${stage}). Late jobs: ${statusPage}`,
        ...(this.props.watchdogJobId
          ? [
              `Watchdog logs: aws logs tail /aws/lambda/${functionNameFor(stage, this.props.watchdogJobId)} --since 2h --format short`,
            ]
          : []),
      ],
      {
        metric: metric('LateJobs', 'Maximum', Duration.minutes(10)),
        threshold: 1,
        missingData: {
          // Not BREACHING: that paged on every first deploy, where the alarm exists minutes before the watchdog's first run.
          treat: cloudwatch.TreatMissingData.MISSING,
          reason:
            'LateJobs comes only from watchdog runs (every 5 minutes): before the first run, as on every first deploy, there is nothing to judge, so the alarm waits in INSUFFICIENT_DATA instead of paging; a watchdog that fails, is throttled or cannot be invoked pages through its own errors, throttles and undelivered alarms, and one whose schedule was paused shows INSUFFICIENT_DATA (grey on the dashboard)',
        },
      },
    );
    alarm(
      'JobHung',
      [
        `A job's run started and has not finished within its max runtime (hung) (${stage}). Hung jobs (実行超過): ${statusPage}`,
        ...(this.props.watchdogJobId
          ? [
              `Watchdog logs (which run, since when): aws logs tail /aws/lambda/${functionNameFor(stage, this.props.watchdogJobId)} --since 2h --format short`,
            ]
          : []),
      ],
      { metric: metric('JobHung', 'Sum', Duration.minutes(10)), threshold: 1, missingData: quiet },
    );
    for (const job of this.props.lateAlarmJobs ?? []) {
      alarm(
        `JobLate-${job}`,
        [`The job ${job} missed its expected report and is late (${stage}). ${statusPage}`],
        { metric: metric('JobLate', 'Sum', Duration.minutes(10), job), threshold: 1, missingData: quiet },
        'joblate',
      );
    }
    alarm(
      'ApiServerErrors',
      [`The job monitor API answered 5xx (${stage}, ${region}): reports may be lost.`, accessLogs, appLogs],
      {
        metric: this.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 1,
        missingData: {
          treat: cloudwatch.TreatMissingData.NOT_BREACHING,
          reason: 'API Gateway publishes 5xx only for periods with requests; no request, no server error',
        },
      },
    );
    alarm('ApiFunctionErrors', [`The job monitor function ${functionName} failed (${region}).`, appLogs], {
      metric: this.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      missingData: {
        treat: cloudwatch.TreatMissingData.NOT_BREACHING,
        reason:
          'the API is called by request, not on a schedule: no request in a period means no failure, and the alarm recovers after one quiet period',
      },
    });
  }
}
