import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
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

  /** A run's history row on its own (a skipped run's). */
  async record(run: RunRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: runItem(run) }));
  }

  /** The actions that record a finished run in one transaction (run-ledger.ts). */
  readonly writes = {
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
