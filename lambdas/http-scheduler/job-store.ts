import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, exactObject } from '#shared/page-cursor';
import { queryAll } from '#shared/query-all';
import type { TransactWrite } from '#shared/run-commit';
import type { JobRequest } from './job-request';
import type { SchedulePlan } from './schedule-plan';

/**
 * HTTP jobs, their run history and their run lease, in one DynamoDB table (key names as in
 * lib/tables.ts HTTP_JOBS_TABLE): `JOB#<id>` holds the job row, its `RUN#...` rows and its `LEASE` (the run in progress).
 */
export type JobState = 'scheduled' | 'paused' | 'completed';

/** The request as stored: secret header values are not here (they live in the secret store). */
export type JobDefinition = Omit<JobRequest, 'replace_existing' | 'job_id'>;

export interface JobRecord {
  jobId: string;
  definition: JobDefinition;
  plan: SchedulePlan;
  state: JobState;
  /** Header names whose values are in the secret store. */
  secretHeaderNames: string[];
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

export class JobExistsError extends Error {
  override name = 'JobExistsError';
}
const JOB_KIND = 'job';
const RUN_PREFIX = 'RUN#';
const partition = (jobId: string) => `JOB#${jobId}`;
/** Run rows expire after this many days. */
const RUN_TTL_DAYS = 90;

export class HttpJobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: partition(jobId), sk: 'JOB' }, ConsistentRead: true }),
    );
    return result.Item ? toJob(result.Item) : undefined;
  }

  /** Writes the job row; unless `replace`, an existing job with this id is a JobExistsError. */
  async putJob(job: JobRecord, options: { replace: boolean }): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: partition(job.jobId), sk: 'JOB', kind: JOB_KIND, ...job },
          ...(options.replace ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new JobExistsError(`job_id "${job.jobId}" exists`);
      throw error;
    }
  }

  async deleteJob(jobId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: partition(jobId), sk: 'JOB' } }));
  }

  /** Moves a job from one state to another; false when it is not in `from` (or gone). */
  async transition(jobId: string, from: JobState, to: JobState, now: Date, anchorAt?: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({ TableName: this.tableName, ...stateChange(jobId, from, to, now, anchorAt) }),
      );
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

  /** A run's history row (a skipped run's; a finished run goes through runWrites.record in its transaction). */
  async recordRun(run: RunRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: runItem(run) }));
  }

  /** Newest first; pass `nextCursor` back for the next page. */
  async listRuns(jobId: string, page: { limit: number; cursor?: string }) {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition(jobId), ':prefix': RUN_PREFIX },
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

  /**
   * At most one run of a job at a time: the lease is taken only when free or expired. The lease row
   * is the run while it runs (id, start, scheduled time); an expired one that is still there belongs
   * to a run whose caller stopped before recording it (a recorded run deletes its lease), and is returned.
   */
  async takeLease(lease: RunLease): Promise<{ taken: boolean; abandoned?: RunLease }> {
    try {
      const result = await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: partition(lease.jobId), sk: LEASE, ...lease },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':now': Date.parse(lease.startedAt) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = result.Attributes;
      const abandoned = old && typeof old.runId === 'string' && typeof old.startedAt === 'string';
      return { taken: true, ...(abandoned ? { abandoned: toLease(old) } : {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { taken: false };
      throw error;
    }
  }

  /**
   * Releases only this run's lease (an expired one may have been taken over). With `restore`, the
   * expired lease this run took over is put back instead, so the run it belongs to is still recorded later.
   */
  async releaseLease(jobId: string, runId: string, restore?: RunLease): Promise<void> {
    const release = this.leaseRelease(jobId, runId);
    try {
      if (restore) {
        const { Key, ...condition } = release;
        await this.db.send(new PutCommand({ ...condition, Item: { ...Key, ...restore } }));
      } else {
        await this.db.send(new DeleteCommand(release));
      }
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The writes that record a finished run, for one transaction (run-ledger.ts). */
  readonly runWrites = {
    /** Its history row, once. */
    record: (run: RunRecord): TransactWrite => ({
      Put: { TableName: this.tableName, Item: runItem(run), ConditionExpression: 'attribute_not_exists(pk)' },
    }),
    /** Its lease, if still its own. */
    releaseLease: (jobId: string, runId: string): TransactWrite => ({ Delete: this.leaseRelease(jobId, runId) }),
    /** A one-shot job's state after its scheduled run, unless it was paused, replaced or deleted meanwhile. */
    complete: (jobId: string, now: Date): TransactWrite => ({
      Update: { TableName: this.tableName, ...stateChange(jobId, 'scheduled', 'completed', now) },
    }),
  };

  /** Sends one transaction (its actions may be in other tables too). */
  async transact(writes: TransactWrite[]): Promise<void> {
    await this.db.send(new TransactWriteCommand({ TransactItems: writes }));
  }

  private leaseRelease(jobId: string, runId: string) {
    return {
      TableName: this.tableName,
      Key: { pk: partition(jobId), sk: LEASE },
      ConditionExpression: 'runId = :runId',
      ExpressionAttributeValues: { ':runId': runId },
    };
  }
}

/** A run in progress, as its lease row records it. */
export interface RunLease {
  jobId: string;
  runId: string;
  trigger: 'schedule' | 'manual';
  scheduledTime: string;
  startedAt: string;
  /** Epoch milliseconds after which another run may take the lease. */
  leaseUntil: number;
}

const LEASE = 'LEASE';

function toLease(item: Record<string, unknown>): RunLease {
  const { pk: _pk, sk: _sk, ...lease } = item;
  return lease as unknown as RunLease;
}

function runItem(run: RunRecord) {
  return {
    pk: partition(run.jobId),
    sk: `${RUN_PREFIX}${run.startedAt}#${run.runId}`,
    ...run,
    expiresAt: Math.floor(Date.parse(run.finishedAt) / 1000) + RUN_TTL_DAYS * 86_400,
  };
}

function stateChange(jobId: string, from: JobState, to: JobState, now: Date, anchorAt?: string) {
  return {
    Key: { pk: partition(jobId), sk: 'JOB' },
    UpdateExpression: `SET #state = :to, updatedAt = :now${anchorAt ? ', anchorAt = :anchor' : ''}`,
    ConditionExpression: '#state = :from',
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: {
      ':to': to,
      ':from': from,
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
  const { pk: _pk, sk: _sk, kind: _kind, ...job } = item;
  return job as unknown as JobRecord;
}
