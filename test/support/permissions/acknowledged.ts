import { JOBS } from '../../../lib/jobs';
import { MODULE_CALLS } from './code-calls';

/**
 * The permission test's exceptions, each with its reason. Keep them narrow: an entry names the
 * functions it applies to, and the test fails when an entry no longer matches anything.
 */

/**
 * A call a function's bundle carries (the whole class comes with it) that the function's code
 * never makes. The call is then not evaluated for that function.
 */
export interface NotCalledBy {
  readonly functions: readonly string[];
  readonly file: string;
  readonly calls: readonly string[];
  readonly reason: string;
}

/** Registry jobs that only record their outcome in the job-status table (lib/jobs.ts, `jobStatusTable: 'record'`). */
const RECORDING_JOBS = JOBS.filter((job) => (job.jobStatusTable ?? 'record') === 'record').map((job) => job.id);

const SMOKE_ONLY =
  "the deploy workflow runs `ops smoke` only (read token, watchdog run, pager alarm); status, backfill, logs, pause/resume and mute/unmute/forget run with an operator's credentials";

export const NOT_CALLED: readonly NotCalledBy[] = [
  {
    functions: ['github-deploy'],
    file: 'ops/aws-backend.ts',
    calls: ['FilterLogEventsCommand', 'GetScheduleCommand', 'UpdateScheduleCommand', 'PutMetricDataCommand'],
    reason: SMOKE_ONLY,
  },
  ...['job-status-store', 'expectation-store', 'run-commit', 'in-flight-runs', 'job-mutes', 'job-forget'].map(
    (store) => ({
      functions: ['github-deploy'],
      file: `lambdas/shared/${store}.ts`,
      calls: Object.keys(MODULE_CALLS[`lambdas/shared/${store}.ts`]),
      reason: SMOKE_ONLY,
    }),
  ),
  {
    functions: RECORDING_JOBS,
    file: 'lambdas/shared/job-status-store.ts',
    calls: ['GetCommand', 'UpdateCommand', 'DeleteCommand', 'BatchGetCommand', 'QueryCommand', 'queryAll'],
    reason: "a registry job records its outcome through the runner's recordRun (run-commit.ts) and reads nothing back",
  },
  {
    functions: [...RECORDING_JOBS, 'http-job-caller'],
    file: 'lambdas/shared/expectation-store.ts',
    calls: ['GetCommand', 'UpdateCommand', 'DeleteCommand', 'queryAll'],
    reason:
      'it reaches the store as JobStatusStore.expectations, which only the monitor, the watchdog and the scheduler API use',
  },
  {
    functions: ['http-job-caller', 'http-scheduler'],
    file: 'lambdas/shared/job-status-store.ts',
    calls: ['BatchGetCommand', 'QueryCommand', 'queryAll'],
    reason:
      "the scheduler records runs (recordRun) and keeps expectations; it lists no statuses and no monitor history (a job's runs are in the HTTP jobs table)",
  },
  {
    functions: ['http-scheduler'],
    file: 'lambdas/shared/expectation-store.ts',
    calls: ['queryAll'],
    reason: 'the scheduler API puts and deletes the expectation of one HTTP job; it never lists expectations',
  },
  {
    functions: ['job-watchdog'],
    file: 'lambdas/shared/job-status-store.ts',
    calls: ['BatchGetCommand'],
    reason:
      'the watchdog reads every latest status through the byKind index (listLatestSummaries); it reads no batch of jobs',
  },
  {
    functions: ['http-job-caller'],
    file: 'lambdas/shared/job-mutes.ts',
    calls: ['GetCommand', 'PutCommand', 'DeleteCommand', 'queryAll'],
    reason:
      "the caller's and the API's ports share one module; the caller checks a mute inside its run's transaction (mute-keys.ts), never through the mute store",
  },
  {
    functions: ['http-job-caller'],
    file: 'lambdas/shared/job-forget.ts',
    calls: ['GetCommand', 'DeleteCommand', 'QueryCommand', 'BatchWriteCommand'],
    reason: "the caller's and the API's ports share one module; only the API forgets a deleted job's monitor entry",
  },
  {
    functions: ['http-scheduler'],
    file: 'lambdas/shared/job-mutes.ts',
    calls: ['GetCommand', 'PutCommand', 'queryAll'],
    reason: "the scheduler API only deletes a deleted job's mute (through job-forget.ts); muting is the job monitor's",
  },
  {
    functions: ['job-watchdog'],
    file: 'lambdas/shared/job-mutes.ts',
    calls: ['GetCommand', 'PutCommand', 'DeleteCommand'],
    reason:
      'the watchdog lists the active mutes (one query) to leave muted jobs out of the late metrics; it changes none',
  },
  {
    functions: ['http-job-caller'],
    file: 'lambdas/http-scheduler/job-secrets.ts',
    calls: ['CreateSecretCommand', 'DeleteSecretCommand'],
    reason: "the caller only reads a job's signing secret; the API creates, rotates and deletes it",
  },
];

/** A granted action no call of the role uses, accepted for the reason given. */
export interface UnusedGrant {
  readonly functions: readonly string[] | 'every function';
  readonly action: string;
  readonly reason: string;
}

export const UNUSED_GRANTS: readonly UnusedGrant[] = [
  {
    functions: ['youtube-sync'],
    action: 's3:DeleteObject',
    reason:
      "bindBucket('read-write') grants the write set of an analytics writer; youtube-sync writes its CSVs once and deletes none",
  },
  {
    functions: ['youtube-sync'],
    action: 's3:AbortMultipartUpload',
    reason:
      "bindBucket('read-write') grants the write set of an analytics writer; youtube-sync writes single-part objects",
  },
  {
    functions: 'every function',
    action: 'secretsmanager:DescribeSecret',
    reason:
      "aws-cdk-lib's Secret.grantRead grants it with GetSecretValue (and the jobs stack follows it); it reveals metadata, never the value",
  },
  {
    functions: 'every function',
    action: 'sqs:GetQueueAttributes',
    reason:
      "aws-cdk-lib's SqsDestination grants it with SendMessage for the failure destination; it reads queue settings only",
  },
  {
    functions: 'every function',
    action: 'sqs:GetQueueUrl',
    reason:
      "aws-cdk-lib's SqsDestination grants it with SendMessage for the failure destination; it reads the queue URL only",
  },
];

/**
 * A denial already known and fixed on another branch of the same issue. The test requires that it
 * still be denied, so the entry is removed when the fix arrives.
 */
export interface KnownGap {
  readonly functions: readonly string[];
  readonly action: string;
  readonly reason: string;
}

export const KNOWN_GAPS: readonly KnownGap[] = [];
