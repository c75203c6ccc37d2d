import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { JobMuteStore } from './job-mutes';
import { type JobStatusStore, jobPartitionKey } from './job-status-store';
import { ABANDONED_AFTER_MS } from './run-commit';

/**
 * Forgetting a job: its latest status, its history, its expectation and its mute, so it leaves the
 * job list and a later report starts it afresh (a new status row id, an empty history).
 *
 * The history is deleted, not left to expire: a job reported again under the same key must not
 * show a retired job's runs, failure streak or durations. The order makes a report that races the
 * delete land wholly before it (and be deleted with the rest) or wholly after it (a fresh job):
 *
 *   1. read the latest status; while a run is parked in it (a report being written, run-commit.ts),
 *      wait for that report to finish (it writes its history row before it unparks); a run parked over
 *      a minute belongs to a report that gave up, and is written out to the history here. Either way no
 *      history row of it can appear after step 2
 *   2. delete every history row
 *   3. delete the latest status only if it is still the one read in 1 (no report moved it meanwhile);
 *      otherwise start again at 1, so the report that moved it is deleted too
 *   4. delete the expectation and the mute
 *
 * Limit: a report older than the latest status (it goes to the history only) that arrives during
 * step 2 may leave its history row behind; it expires with the history's TTL.
 */
export interface ForgetResult {
  /** Anything was stored under the job_key (latest status, history, expectation or mute). */
  found: boolean;
  /** History rows deleted by this call. */
  historyDeleted: number;
  /**
   * false when the history was too long to delete within the time given: the latest status,
   * expectation and mute are left as they were (the job still shows); forgetting again continues.
   */
  complete: boolean;
}

/** BatchWriteItem takes at most 25 requests; unprocessed ones are retried this many times in all. */
const BATCH_WRITE_MAX = 25;
const BATCH_WRITE_ATTEMPTS = 6;
/** Batches in flight at once while deleting a long history. */
const DELETE_CONCURRENCY = 4;
/** Reports keep moving the latest status: give up after this many rounds and let the caller retry. */
const FORGET_ROUNDS = 7;

/** What step 1 read of the latest status: what step 3's condition compares. */
interface SeenLatest {
  updatedAt?: string;
  inFlightRunId?: string;
  /** When the oldest run parked in it was received (epoch ms); absent when none is parked. */
  parkedSince?: number;
}

export class JobChangingError extends Error {
  override name = 'JobChangingError';
}

export class JobForgetter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly statusStore: Pick<JobStatusStore, 'completeInterruptedRuns' | 'expectations'>,
    private readonly mutes: Pick<JobMuteStore, 'delete'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * `budgetMs`: time for deleting history before answering `complete: false` (the caller's own timeout is
   * shorter). With `leaveLongHistory`, the job is forgotten anyway and the history rows left expire with
   * their TTL (a job whose own record is gone already, such as a deleted HTTP job, cannot wait for a retry).
   */
  async forget(jobKey: string, options: { budgetMs?: number; leaveLongHistory?: boolean } = {}): Promise<ForgetResult> {
    const deadline = Date.now() + (options.budgetMs ?? Number.POSITIVE_INFINITY);
    let historyDeleted = 0;
    for (let round = 1; round <= FORGET_ROUNDS; round += 1) {
      const latest = await this.readLatest(jobKey);
      if (latest?.parkedSince !== undefined) {
        // Writing it out ourselves while its report still runs would let that report's own history write
        // land after step 2: wait for it, unless it was abandoned.
        if (this.now().getTime() - latest.parkedSince >= ABANDONED_AFTER_MS) {
          await this.statusStore.completeInterruptedRuns(jobKey);
        } else {
          await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** round, 800)));
        }
        continue;
      }
      const history = await this.deleteHistory(jobKey, deadline);
      historyDeleted += history.deleted;
      if (!history.complete && !options.leaveLongHistory) return { found: true, historyDeleted, complete: false };
      if (!(await this.deleteLatestIfUnchanged(jobKey, latest))) continue;
      const expectation = await this.statusStore.expectations.delete(jobKey);
      const mute = await this.mutes.delete(jobKey);
      const found = latest !== undefined || historyDeleted > 0 || expectation || mute !== undefined;
      return { found, historyDeleted, complete: history.complete };
    }
    throw new JobChangingError(`job_key "${jobKey}" kept receiving reports while it was being deleted; try again`);
  }

  private async readLatest(jobKey: string): Promise<SeenLatest | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: jobPartitionKey(jobKey), sk: 'LATEST' },
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    const item = result.Item;
    const parked = [...((item.parkedRunIds as Set<string> | undefined) ?? [])].map(
      (runId) => Date.parse(String((item[`parked:${runId}`] as { receivedAt?: string } | undefined)?.receivedAt)) || 0,
    );
    const inFlight = item.inFlight as { runId?: string } | undefined;
    return {
      ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
      ...(typeof inFlight?.runId === 'string' ? { inFlightRunId: inFlight.runId } : {}),
      ...(parked.length > 0 ? { parkedSince: Math.min(...parked) } : {}),
    };
  }

  /**
   * true when the latest status is gone as read: no report moved it (updatedAt) and no start was recorded on
   * it (inFlight; a row may hold only a start, without updatedAt) since; `seen` undefined: there was none.
   */
  private async deleteLatestIfUnchanged(jobKey: string, seen: SeenLatest | undefined): Promise<boolean> {
    const values: Record<string, string> = {};
    const guards = ['attribute_not_exists(parkedRunIds)'];
    if (seen?.updatedAt === undefined) guards.push('attribute_not_exists(updatedAt)');
    else {
      guards.push('updatedAt = :seen');
      values[':seen'] = seen.updatedAt;
    }
    if (seen?.inFlightRunId === undefined) guards.push('attribute_not_exists(inFlight)');
    else {
      guards.push('inFlight.runId = :inFlight');
      values[':inFlight'] = seen.inFlightRunId;
    }
    const condition =
      seen === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: guards.join(' AND '),
            ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
          };
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: jobPartitionKey(jobKey), sk: 'LATEST' },
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Deletes the job's history rows page by page until none is left or the deadline passes. */
  private async deleteHistory(jobKey: string, deadline: number): Promise<{ deleted: number; complete: boolean }> {
    let deleted = 0;
    let cursor: Record<string, unknown> | undefined;
    do {
      if (Date.now() > deadline) return { deleted, complete: false };
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
          ExpressionAttributeValues: { ':pk': jobPartitionKey(jobKey), ':run': 'RUN#' },
          ProjectionExpression: 'pk, sk',
          ConsistentRead: true,
          ExclusiveStartKey: cursor,
        }),
      );
      const keys = (page.Items ?? []).map((item) => ({ pk: item.pk, sk: item.sk }));
      const batches: (typeof keys)[] = [];
      for (let start = 0; start < keys.length; start += BATCH_WRITE_MAX)
        batches.push(keys.slice(start, start + BATCH_WRITE_MAX));
      for (let start = 0; start < batches.length; start += DELETE_CONCURRENCY) {
        await Promise.all(batches.slice(start, start + DELETE_CONCURRENCY).map((batch) => this.deleteKeys(batch)));
      }
      deleted += keys.length;
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return { deleted, complete: true };
  }

  private async deleteKeys(keys: Record<string, unknown>[]): Promise<void> {
    let requests = keys.map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt === BATCH_WRITE_ATTEMPTS) throw new Error(`DynamoDB left ${requests.length} history rows undeleted`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
      requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
    }
  }
}
