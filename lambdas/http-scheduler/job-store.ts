import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, exactObject } from '#shared/page-cursor';
import { queryAll } from '#shared/query-all';
import type { TransactWrite } from '#shared/run-commit';
import type { JobRequest } from './job-request';
import { partition, RUN_PREFIX, RunStore } from './run-store';
import type { SchedulePlan } from './schedule-plan';

/**
 * HTTP jobs, their run history and their run lease, in one DynamoDB table (key names as in
 * lib/tables.ts HTTP_JOBS_TABLE): `JOB#<id>` holds the job row, its `RUN#...` rows and its `LEASE` (run-store.ts).
 */
export type JobState = 'scheduled' | 'paused' | 'completed';

/** The request as stored: secret header values are not here (they live in the secret store). */
export type JobDefinition = Omit<JobRequest, 'replace_existing' | 'job_id'>;

export interface JobRecord {
  jobId: string;
  /**
   * New on every create and replace: names the job's secret (job-secrets.ts) and guards every
   * later write, so a request only changes or removes the generation it read.
   */
  generation: string;
  definition: JobDefinition;
  plan: SchedulePlan;
  state: JobState;
  /** Header names whose values are in the secret store. */
  secretHeaderNames: string[];
  /** When this job id was created (kept on replace): runs started before it belong to a deleted job of the same id. */
  createdAt: string;
  updatedAt: string;
  /** When an interval job started counting (creation or last resume). */
  anchorAt: string;
}

export type RunOutcome = 'success' | 'error' | 'skipped' | 'missed';

export interface RunRecord {
  runId: string;
  jobId: string;
  status: RunOutcome;
  /** `schedule` (EventBridge or local cron) or `manual` (POST /jobs/{id}/run). */
  trigger: 'schedule' | 'manual';
  scheduledTime: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  attempts: number;
  httpStatus: number | null;
  error: string | null;
  /** The first bytes of the last response body. */
  responseSnippet: string | null;
}

/** The row is not what the request read: another request created, replaced or deleted the job meanwhile. */
export class JobExistsError extends Error {
  override name = 'JobExistsError';
}
const JOB_KIND = 'job';

export class HttpJobStore {
  /** The rows of runs: the lease of the run in progress, and each finished run's history row. */
  readonly runs: RunStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.runs = new RunStore(db, tableName);
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: partition(jobId), sk: 'JOB' }, ConsistentRead: true }),
    );
    return result.Item ? toJob(result.Item) : undefined;
  }

  /**
   * Writes the job row only over what the request read: no row (`replacing` undefined) or the row of
   * generation `replacing`. Anything else is a JobExistsError and nothing is written.
   */
  async putJob(job: JobRecord, options: { replacing?: string }): Promise<void> {
    const { definition, ...rest } = job;
    // The body as JSON text: any JSON value fits, whatever its depth or numbers (DynamoDB maps nest 32 deep).
    const { body, ...stored } = definition;
    const condition =
      options.replacing === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'generation = :seen', ExpressionAttributeValues: { ':seen': options.replacing } };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: partition(job.jobId),
            sk: 'JOB',
            kind: JOB_KIND,
            ...rest,
            definition: stored,
            ...(body === undefined ? {} : { bodyJson: JSON.stringify(body) }),
          },
          ...condition,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new JobExistsError(`job_id "${job.jobId}" changed`);
      throw error;
    }
  }

  /** Deletes the row if it is still of this generation; false when another request changed or deleted it. */
  async deleteJob(jobId: string, generation: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: partition(jobId), sk: 'JOB' },
          ConditionExpression: 'generation = :generation',
          ExpressionAttributeValues: { ':generation': generation },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Moves a job of this generation from one state to another; false when it is not in `from`, or is
   * another generation (replaced meanwhile), or gone.
   */
  async transition(
    jobId: string,
    generation: string,
    change: { from: JobState; to: JobState; now: Date; anchorAt?: string },
  ): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.tableName, ...stateChange(jobId, generation, change) }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Every job, ordered by id (the kind index). */
  async listJobs(): Promise<JobRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'byKind',
      KeyConditionExpression: 'kind = :kind',
      ExpressionAttributeValues: { ':kind': JOB_KIND },
    });
    return items.map(toJob);
  }

  /**
   * Newest first; pass `nextCursor` back for the next page. Only runs started at or after `since`
   * (the job's createdAt): a deleted job's history, still expiring, is not the new job's.
   */
  async listRuns(jobId: string, page: { limit: number; cursor?: string; since: string }) {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': partition(jobId),
          ':from': `${RUN_PREFIX}${new Date(page.since).toISOString()}`,
          ':to': `${RUN_PREFIX}\uffff`,
        },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.cursor ? decodeRunsCursor(page.cursor, jobId) : undefined,
      }),
    );
    const runs = (result.Items ?? []).map(({ pk: _pk, sk: _sk, expiresAt: _ttl, ...run }) => run as RunRecord);
    const nextCursor = result.LastEvaluatedKey
      ? encodeCursor({ pk: result.LastEvaluatedKey.pk, sk: result.LastEvaluatedKey.sk })
      : undefined;
    return { runs, nextCursor };
  }

  /** The job still exists as created at `createdAt` (not deleted, nor deleted and created anew), as a transaction's check. */
  existenceCheck(jobId: string, createdAt: string): TransactWrite {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: { pk: partition(jobId), sk: 'JOB' },
        ConditionExpression: 'createdAt = :createdAt',
        ExpressionAttributeValues: { ':createdAt': createdAt },
      },
    };
  }

  /** A one-shot job completed after its scheduled run, as an action of the run's transaction (run-ledger.ts). */
  completion(jobId: string, generation: string, now: Date): TransactWrite {
    const change = stateChange(jobId, generation, { from: 'scheduled', to: 'completed', now });
    return { Update: { TableName: this.tableName, ...change } };
  }
}

function stateChange(
  jobId: string,
  generation: string,
  change: { from: JobState; to: JobState; now: Date; anchorAt?: string },
) {
  const { from, to, now, anchorAt } = change;
  return {
    Key: { pk: partition(jobId), sk: 'JOB' },
    UpdateExpression: `SET #state = :to, updatedAt = :now${anchorAt ? ', anchorAt = :anchor' : ''}`,
    ConditionExpression: '#state = :from AND generation = :generation',
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: {
      ':to': to,
      ':from': from,
      ':generation': generation,
      ':now': now.toISOString(),
      ...(anchorAt ? { ':anchor': anchorAt } : {}),
    },
  };
}

/** A run's sort key as this store writes it; anything else in a cursor is forged. */
const RUN_SORT_KEY = /^RUN#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[A-Za-z0-9._:-]{1,100}$/;

function decodeRunsCursor(cursor: string, jobId: string): Record<string, string> {
  const shape = (position: unknown) => {
    const key = exactObject(position, ['pk', 'sk']);
    const valid = key && key.pk === partition(jobId) && typeof key.sk === 'string' && RUN_SORT_KEY.test(key.sk);
    return valid ? { pk: key.pk as string, sk: key.sk as string } : undefined;
  };
  return decodeCursor(cursor, shape, `runs (job "${jobId}")`);
}

function toJob(item: Record<string, unknown>): JobRecord {
  const { pk: _pk, sk: _sk, kind: _kind, bodyJson, definition, ...job } = item;
  const body = typeof bodyJson === 'string' ? { body: JSON.parse(bodyJson) as unknown } : {};
  return { ...job, definition: { ...(definition as JobDefinition), ...body } } as unknown as JobRecord;
}
