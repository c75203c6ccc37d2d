import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobSpec } from '../lib/job-spec';
import type { OpsBackend } from './ops-backend';
import { OpsUsageError } from './ops-errors';
import type { OpsTarget } from './ops-target';

/** Where the CLI writes: stdout for results (scripts read it), stderr for progress and errors. */
export interface OpsIo {
  /** One line (or block) of results. */
  out(text: string): void;
  /** One line of progress or diagnostics; a text starting with \r redraws the current line instead. */
  err(text: string): void;
  /** stderr is a terminal: progress redraws one line instead of printing one per step. */
  readonly isTty: boolean;
  readonly env: NodeJS.ProcessEnv;
  now(): Date;
}

export interface OpsClients {
  readonly lambda: LambdaClient;
  readonly logs: CloudWatchLogsClient;
  readonly scheduler: SchedulerClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly secrets: SecretsManagerClient;
  readonly cloudwatch: CloudWatchClient;
}

export interface OpsContext {
  readonly target: OpsTarget;
  readonly io: OpsIo;
  /** Where the commands act: AWS or a running local mode. */
  readonly backend: OpsBackend;
  /** The registry (lib/jobs.ts); tests pass their own. */
  readonly jobs: readonly JobSpec[];
  /** `--json`: one JSON document on stdout instead of tables. */
  readonly json: boolean;
  /** `--utc`: print times in UTC instead of JST. */
  readonly utc: boolean;
}

/** AWS SDK v3 clients for the target region; credentials come from the default chain (profile, SSO, env). */
export function createClients(target: OpsTarget): OpsClients {
  const config = { region: target.region, maxAttempts: 3 };
  return {
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    scheduler: new SchedulerClient(config),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(config), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    secrets: new SecretsManagerClient(config),
    cloudwatch: new CloudWatchClient(config),
  };
}

/** The registry entry of `jobId`, or a one-line error listing the ids that would work. */
export function requireJob(
  jobs: readonly JobSpec[],
  jobId: string,
  usable: (job: JobSpec) => boolean = () => true,
  what = 'jobs',
): JobSpec {
  const candidates = jobs.filter(usable);
  const job = candidates.find((candidate) => candidate.id === jobId);
  if (!job) {
    const known = candidates.map((candidate) => candidate.id).join(', ') || 'none';
    const reason = jobs.some((candidate) => candidate.id === jobId) ? 'cannot be used here' : 'is not in the registry';
    throw new OpsUsageError(`job "${jobId}" ${reason}; ${what}: ${known}`);
  }
  return job;
}
