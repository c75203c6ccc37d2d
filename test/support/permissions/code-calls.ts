/**
 * Where each AWS call of our code lands: per source file, per imported call name (an SDK command,
 * lib-storage's Upload, Powertools' SecretsProvider, queryAll), the resources it touches, given
 * the caller's environment. test/infra/permissions.test.ts checks this list against the sources
 * (every call a file imports is here, nothing else) and against the bundles (every SDK command in
 * a bundle comes from a call here or from NEVER_SENT), then evaluates each call as IAM would.
 */
import { MESSAGES_PREFIX, MESSAGES_RETIRED_PREFIX } from '../../../contracts/analytics-messages';
import {
  partitionRunsPrefix,
  retiredMarkKey,
  runManifestKey,
  runPartKey,
  runPrefix,
  sliceResultKey,
  stagedPartKey,
  stagingPrefix,
  symlinkKey,
} from '../../../lambdas/daily-parquet/partition-keys';
import { RAW_PREFIX, rawCsvKey } from '../../../lambdas/youtube-sync/raw-store';
import { SECRET_SUFFIX } from './cloudformation-values';

/** Whoever makes the calls: a function (its resolved environment) or the deploy role (values it reads). */
export interface Caller {
  /** `job-monitor`, `ftp-export`, ... (the function name without `nightshift-<stage>-`), or `github-deploy`. */
  readonly id: string;
  readonly env: Readonly<Record<string, string>>;
  readonly region: string;
  readonly account: string;
  readonly stage: string;
}

/** One resource a call touches; `action` narrows a multi-action command (CopyObject) or adds an implied one. */
export interface Target {
  readonly resource: string;
  readonly action?: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
}

export type Targets = (caller: Caller) => Target[];

/** What a run would really touch: one tenant, one date, one run. */
const SAMPLE = { tenant: 'demo', date: '2025-08-11', runId: 'run-1', jobId: 'sample-job', recipient: 'acme' } as const;

function required(caller: Caller, variable: string): string {
  const value = caller.env[variable];
  if (!value) throw new Error(`${caller.id} has no environment variable ${variable}, which its code reads`);
  return value;
}

const arn = (caller: Caller, service: string, resource: string) =>
  `arn:aws:${service}:${caller.region}:${caller.account}:${resource}`;

/** A secret named by id (name or ARN), as Secrets Manager's ARN for it. */
export const secretArn = (caller: Caller, id: string) =>
  id.startsWith('arn:') ? id : arn(caller, 'secretsmanager', `secret:${id}-${SECRET_SUFFIX}`);

const table =
  (variable: string, ...indexes: string[]): Targets =>
  (caller) => {
    const tableArn = arn(caller, 'dynamodb', `table/${required(caller, variable)}`);
    return indexes.length === 0
      ? [{ resource: tableArn }]
      : indexes.map((index) => ({ resource: index === '' ? tableArn : `${tableArn}/index/${index}` }));
  };

const objects =
  (...keys: string[]): Targets =>
  (caller) =>
    keys.map((key) => ({ resource: `arn:aws:s3:::${required(caller, 'ANALYTICS_BUCKET')}/${key}` }));

const listing =
  (...prefixes: string[]): Targets =>
  (caller) =>
    prefixes.map((prefix) => ({
      resource: `arn:aws:s3:::${required(caller, 'ANALYTICS_BUCKET')}`,
      context: { 's3:prefix': prefix },
    }));

const combined =
  (...all: Targets[]): Targets =>
  (caller) =>
    all.flatMap((targets) => targets(caller));

const parquet = {
  symlink: symlinkKey(SAMPLE.tenant, SAMPLE.date),
  runs: partitionRunsPrefix(SAMPLE.tenant, SAMPLE.date),
  run: runPrefix(SAMPLE.tenant, SAMPLE.date, SAMPLE.runId),
  part: runPartKey(SAMPLE.tenant, SAMPLE.date, SAMPLE.runId, 0),
  manifest: runManifestKey(SAMPLE.tenant, SAMPLE.date, SAMPLE.runId),
  staging: stagingPrefix(SAMPLE.tenant, SAMPLE.date, SAMPLE.runId),
  stagedPart: stagedPartKey(SAMPLE.tenant, SAMPLE.date, SAMPLE.runId, 0, 0),
  sliceResult: sliceResultKey(SAMPLE.tenant, SAMPLE.date, SAMPLE.runId, 0),
  retiredMark: retiredMarkKey(SAMPLE.tenant, SAMPLE.date, SAMPLE.runId, new Date('2025-08-12T00:00:00Z')),
  retired: `${MESSAGES_RETIRED_PREFIX}/`,
};

/** `<prefix>/<job id>/<generation>`: one secret per job and signing-secret generation. */
const httpJobSecret: Targets = (caller) => [
  { resource: secretArn(caller, `${required(caller, 'JOB_SECRETS_PREFIX')}/${SAMPLE.jobId}/g1`) },
];
const httpJobSchedule: Targets = (caller) => [
  { resource: arn(caller, 'scheduler', `schedule/${required(caller, 'SCHEDULE_GROUP')}/${SAMPLE.jobId}`) },
];
/** Creating or updating a schedule passes the scheduler role to EventBridge Scheduler. */
const passSchedulerRole: Targets = (caller) => [
  {
    action: 'iam:PassRole',
    resource: required(caller, 'SCHEDULER_ROLE_ARN'),
    context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
  },
];

/** Every secret a function names in its environment (`*_SECRET_NAME`, `*_SECRET_ARN`), and FTP recipients' under FTP_SECRET_NAME. */
const secretsInEnvironment: Targets = (caller) => [
  ...Object.entries(caller.env)
    .filter(([name]) => /_SECRET_(NAME|ARN)$/.test(name))
    .map(([, id]) => ({ resource: secretArn(caller, id) })),
  ...(caller.env.FTP_SECRET_NAME
    ? [{ resource: secretArn(caller, `${caller.env.FTP_SECRET_NAME}/${SAMPLE.recipient}`) }]
    : []),
];

/** Helpers that send calls for their importers: the calls are placed at each file importing the named helper. */
export const HELPERS: Readonly<Record<string, string>> = { 'lambdas/shared/query-all.ts': 'queryAll' };

export const MODULE_CALLS: Readonly<Record<string, Readonly<Record<string, Targets>>>> = {
  'lambdas/shared/run-commit.ts': {
    GetCommand: table('JOB_STATUS_TABLE'),
    PutCommand: table('JOB_STATUS_TABLE'),
    UpdateCommand: table('JOB_STATUS_TABLE'),
  },
  'lambdas/shared/job-status-store.ts': {
    GetCommand: table('JOB_STATUS_TABLE'),
    UpdateCommand: table('JOB_STATUS_TABLE'),
    DeleteCommand: table('JOB_STATUS_TABLE'),
    BatchGetCommand: table('JOB_STATUS_TABLE'),
    QueryCommand: table('JOB_STATUS_TABLE'),
    // The latest statuses through the byKind index; a job's runs since a time on the table.
    queryAll: table('JOB_STATUS_TABLE', '', 'byKind'),
  },
  'lambdas/shared/job-mutes.ts': {
    GetCommand: table('JOB_STATUS_TABLE'),
    PutCommand: table('JOB_STATUS_TABLE'),
    DeleteCommand: table('JOB_STATUS_TABLE'),
    queryAll: table('JOB_STATUS_TABLE'),
  },
  // Forgetting a job: its latest status (get, conditional delete), its history (query, batch deletes).
  'lambdas/shared/job-forget.ts': {
    GetCommand: table('JOB_STATUS_TABLE'),
    DeleteCommand: table('JOB_STATUS_TABLE'),
    QueryCommand: table('JOB_STATUS_TABLE'),
    BatchWriteCommand: table('JOB_STATUS_TABLE'),
  },
  // Starts, hung marks and history-only runs' ticks on a job's latest-status row.
  'lambdas/shared/in-flight-runs.ts': { UpdateCommand: table('JOB_STATUS_TABLE') },
  'lambdas/shared/expectation-store.ts': {
    GetCommand: table('JOB_STATUS_TABLE'),
    UpdateCommand: table('JOB_STATUS_TABLE'),
    DeleteCommand: table('JOB_STATUS_TABLE'),
    queryAll: table('JOB_STATUS_TABLE'),
  },
  'lambdas/shared/secrets.ts': { SecretsProvider: secretsInEnvironment },
  'lambdas/http-scheduler/job-store.ts': {
    GetCommand: table('HTTP_JOBS_TABLE'),
    PutCommand: table('HTTP_JOBS_TABLE'),
    DeleteCommand: table('HTTP_JOBS_TABLE'),
    UpdateCommand: table('HTTP_JOBS_TABLE'),
    QueryCommand: table('HTTP_JOBS_TABLE'),
    queryAll: table('HTTP_JOBS_TABLE', 'byKind'),
  },
  'lambdas/http-scheduler/run-store.ts': {
    PutCommand: table('HTTP_JOBS_TABLE'),
    DeleteCommand: table('HTTP_JOBS_TABLE'),
    // A finished run in one transaction (run-ledger.ts): its run row, its lease and the job's completion
    // (or a check that the job still exists) in the HTTP jobs table; the job monitor's history row and
    // latest status, and after a failure a check that the job is not muted, in the job-status table.
    TransactWriteCommand: (caller) => [
      ...['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'].map(
        (action) => ({
          ...table('HTTP_JOBS_TABLE')(caller)[0],
          action,
        }),
      ),
      ...['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'].map((action) => ({
        ...table('JOB_STATUS_TABLE')(caller)[0],
        action,
      })),
    ],
  },
  'lambdas/http-scheduler/job-secrets.ts': {
    CreateSecretCommand: httpJobSecret,
    GetSecretValueCommand: httpJobSecret,
    DeleteSecretCommand: httpJobSecret,
  },
  'lambdas/http-scheduler/job-scheduler.ts': {
    CreateScheduleCommand: combined(httpJobSchedule, passSchedulerRole),
    UpdateScheduleCommand: combined(httpJobSchedule, passSchedulerRole),
    DeleteScheduleCommand: httpJobSchedule,
  },
  'lambdas/http-scheduler/ports-from-env.ts': {
    InvokeCommand: (caller) => [{ resource: required(caller, 'CALLER_FUNCTION_ARN') }],
  },
  'lambdas/manual-trigger/handler.ts': {
    InvokeCommand: (caller) =>
      Object.values(JSON.parse(required(caller, 'JOB_FUNCTIONS')) as Record<string, string>).map((name) => ({
        resource: arn(caller, 'lambda', `function:${name}`),
      })),
  },
  'lambdas/daily-parquet/aws-ports.ts': {
    QueryCommand: table('MESSAGES_TABLE'),
    Upload: objects(parquet.stagedPart, parquet.part),
    // The symlink readers follow, a run's manifest, a slice's result, a retired run's mark.
    PutObjectCommand: objects(parquet.symlink, parquet.manifest, parquet.sliceResult, parquet.retiredMark),
    GetObjectCommand: objects(parquet.symlink, parquet.manifest, parquet.sliceResult),
    CopyObjectCommand: (caller) => [
      { ...objects(parquet.stagedPart)(caller)[0], action: 's3:GetObject' },
      { ...objects(parquet.part)(caller)[0], action: 's3:PutObject' },
    ],
    // A day's runs, a run, a staging area, the retired marks, and the one-key listing that tells a
    // missing slice result from a denial.
    ListObjectsV2Command: listing(parquet.runs, parquet.run, parquet.staging, parquet.retired, parquet.sliceResult),
    DeleteObjectsCommand: objects(parquet.part, parquet.stagedPart, parquet.sliceResult, parquet.retiredMark),
  },
  'lambdas/daily-parquet/batch-put-messages.ts': { BatchWriteCommand: table('MESSAGES_TABLE') },
  'lambdas/youtube-sync/raw-store.ts': {
    GetObjectCommand: objects(rawCsvKey(SAMPLE.date, SAMPLE.runId, 'UC0000000000000000000000')),
    PutObjectCommand: objects(rawCsvKey(SAMPLE.date, SAMPLE.runId, 'UC0000000000000000000000')),
    ListObjectsV2Command: listing(RAW_PREFIX),
  },
  // The ops CLI against AWS: `ops smoke` runs as the GitHub deploy role after each deploy
  // (.github/workflows/deploy-stage.yml); the other commands run with an operator's credentials.
  'ops/aws-backend.ts': {
    // DescribeAlarms returns composite alarms only to a permission on "*" (CloudWatch API reference).
    DescribeAlarmsCommand: () => [{ resource: '*' }],
    // `ops unmute` publishes the monitor's metrics at once; PutMetricData has no resource-level permission.
    PutMetricDataCommand: () => [{ resource: '*' }],
    GetSecretValueCommand: (caller) => [{ resource: required(caller, 'READ_TOKEN_SECRET_ARN') }],
    InvokeCommand: (caller) => [
      { resource: arn(caller, 'lambda', `function:nightshift-${caller.stage}-${required(caller, 'SMOKE_JOB_ID')}`) },
    ],
    FilterLogEventsCommand: (caller) => [
      { resource: arn(caller, 'logs', `log-group:/aws/lambda/nightshift-${caller.stage}-${SAMPLE.jobId}:*`) },
    ],
    GetScheduleCommand: (caller) => [
      { resource: arn(caller, 'scheduler', `schedule/nightshift-${caller.stage}/${SAMPLE.jobId}-daily`) },
    ],
    UpdateScheduleCommand: (caller) => [
      { resource: arn(caller, 'scheduler', `schedule/nightshift-${caller.stage}/${SAMPLE.jobId}-daily`) },
    ],
  },
};

/** Key prefixes the analytics writers own, for documentation of the samples above. */
export const SAMPLE_PREFIXES = { parquet: MESSAGES_PREFIX, youtube: RAW_PREFIX } as const;

/**
 * SDK commands a bundle carries that no code path sends, each with the reason. A command that one
 * of our files imports is never excused by this list (the test checks that).
 */
export const NEVER_SENT: Readonly<Record<string, string>> = {
  'client-dynamodb/DescribeEndpointsCommand':
    'endpoint discovery, which a DynamoDB client uses only when configured to; ours never are',
  'client-dynamodb/ScanCommand':
    'lib-dynamodb keeps its Scan paginator in every bundle of the document client; no file of ours imports Scan',
  // Evaluated where a file of ours imports QueryCommand or queryAll; excused only in bundles without one.
  'client-dynamodb/QueryCommand': 'lib-dynamodb keeps its Query paginator in every bundle of the document client',
  'client-s3/CreateSessionCommand':
    'S3 Express One Zone sessions, for directory buckets only; the analytics bucket is a general purpose bucket',
  'client-s3/PutObjectTaggingCommand': "lib-storage's Upload sends it only when given tags; ours gives none",
  'nested-clients/sts/AssumeRoleCommand':
    'credential providers of the default chain; in Lambda the environment provides the credentials first',
  'nested-clients/sts/AssumeRoleWithWebIdentityCommand':
    'credential providers of the default chain; in Lambda the environment provides the credentials first',
  'nested-clients/sso/GetRoleCredentialsCommand':
    'credential providers of the default chain; in Lambda the environment provides the credentials first',
  'nested-clients/sso-oidc/CreateTokenCommand':
    'credential providers of the default chain; in Lambda the environment provides the credentials first',
  'nested-clients/signin/CreateOAuth2TokenCommand':
    'credential providers of the default chain; in Lambda the environment provides the credentials first',
  'nested-clients/signin/CreateOAuth2TokenWithIAMCommand':
    'credential providers of the default chain; in Lambda the environment provides the credentials first',
};
