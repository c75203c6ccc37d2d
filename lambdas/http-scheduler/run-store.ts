import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactWrite } from '#shared/run-commit';
import type { RunRecord } from './job-store';

/**
 * The rows of an HTTP job's runs in the jobs table: `JOB#<id>` / `LEASE`, the run in progress, and
 * `JOB#<id>` / `RUN#<started>#<run id>`, each finished run (expiring after 90 days).
 */
export const partition = (jobId: string) => `JOB#${jobId}`;
export const RUN_PREFIX = 'RUN#';
const LEASE = 'LEASE';
const RUN_TTL_DAYS = 90;

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

export class RunStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

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

  /** A run's history row on its own (a skipped run's). */
  async record(run: RunRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: runItem(run) }));
  }

  /** The actions that record a finished run in one transaction (run-ledger.ts). */
  readonly writes = {
    /**
     * At most one run of a job at a time: the lease is taken only when there is none, or (`over`) over
     * exactly that expired lease. The lease row is the run while it runs (id, start, scheduled time); one
     * still there after it expired belongs to a run whose caller stopped before recording it (a recorded run
     * deletes its lease). A refusal returns the lease held (ALL_OLD): whether it expired decides what follows.
     */
    takeLease: (lease: RunLease, over?: RunLease): TransactWrite => ({
      Put: {
        TableName: this.tableName,
        Item: { pk: partition(lease.jobId), sk: LEASE, ...lease },
        ...(over
          ? {
              ConditionExpression: 'runId = :over AND leaseUntil < :now',
              ExpressionAttributeValues: { ':over': over.runId, ':now': Date.parse(lease.startedAt) },
            }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    /** Its history row, once. */
    record: (run: RunRecord): TransactWrite => ({
      Put: { TableName: this.tableName, Item: runItem(run), ConditionExpression: 'attribute_not_exists(pk)' },
    }),
    /** Its lease, if still its own. */
    releaseLease: (jobId: string, runId: string): TransactWrite => ({ Delete: this.leaseRelease(jobId, runId) }),
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

/** The lease a refused transaction returned (in DynamoDB's wire form: exceptions are not unmarshalled). */
export function leaseFromAttributes(item: Record<string, AttributeValue> | undefined): RunLease | undefined {
  if (!item?.runId?.S || !item.startedAt?.S || !item.leaseUntil?.N) return undefined;
  return {
    jobId: item.jobId?.S ?? '',
    runId: item.runId.S,
    trigger: item.trigger?.S === 'manual' ? 'manual' : 'schedule',
    scheduledTime: item.scheduledTime?.S ?? item.startedAt.S,
    startedAt: item.startedAt.S,
    leaseUntil: Number(item.leaseUntil.N),
  };
}

function runItem(run: RunRecord) {
  return {
    pk: partition(run.jobId),
    sk: `${RUN_PREFIX}${run.startedAt}#${run.runId}`,
    ...run,
    expiresAt: Math.floor(Date.parse(run.finishedAt) / 1000) + RUN_TTL_DAYS * 86_400,
  };
}
