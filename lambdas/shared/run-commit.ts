import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/**
 * How one run becomes a history row plus the job's latest status, as if in one transaction.
 *
 * DynamoDB's TransactWriteItems would do it in one call, but dynalite (the local and test twin) does
 * not implement transactions, and code that only real AWS runs would be untested. So the latest-status
 * row is the commit record: one conditional update (atomic on its own) moves it to the run and parks
 * the run's history row in it (`pendingRun`); the history row is written next and the parked copy
 * dropped last. Whoever finds a parked run of another report writes it out before committing its own,
 * so a run that reached the latest status always reaches the history, even if its reporter never retries
 * (and the watchdog writes out what is still parked after a minute, for jobs that report rarely).
 *
 *   1. history row exists        → a redelivery: nothing changes (not even lastReceivedAt or a late mark)
 *   2. commit latest (if newer)  → condition: no older-report overwrite, no parked run of another report
 *   3. put history row           → idempotent (attribute_not_exists)
 *   4. drop the parked copy      → best effort: a leftover copy is written out (idempotently) later
 */
export interface HistoryItem {
  pk: string;
  sk: string;
  runId: string;
  jobKey: string;
  title: string;
  status: 'success' | 'error';
  finishedAt: string;
  message: string | null;
  toolId: string | null;
  [attribute: string]: unknown;
}

export interface CommitOutcome {
  /** The job's status row id (stable across reports). */
  id: string;
  /** The history row already existed before this call: a redelivery of a report stored completely. */
  duplicate: boolean;
  /** This call moved (or created) the latest status to this run. */
  committed: boolean;
  /** This call wrote the history row (a first delivery, or the retry that completes an interrupted one). */
  stored: boolean;
  /** The run is older than the latest status: kept in history only. */
  stale: boolean;
}

const LATEST = 'LATEST';
/** A parked run of another report blocks a commit until written out; a few rounds cover concurrent reporters. */
const MAX_COMMIT_ROUNDS = 4;

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

export class RunCommitter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(item: HistoryItem, latestKind: string, receivedAt: string): Promise<CommitOutcome> {
    const latestKey = { pk: item.pk, sk: LATEST };
    const existing = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
    );
    if (existing.Item) {
      const latest = await this.readLatest(latestKey);
      return {
        id: String(latest?.id ?? ''),
        duplicate: true,
        committed: false,
        stored: false,
        stale: !sameRun(latest, item),
      };
    }

    let id: string | undefined;
    let latest: Record<string, unknown> | undefined;
    for (let round = 0; round < MAX_COMMIT_ROUNDS && id === undefined; round += 1) {
      id = await this.commitLatest(item, latestKind, receivedAt);
      if (id !== undefined) break;
      latest = await this.readLatest(latestKey);
      const parked = latest?.pendingRun as HistoryItem | undefined;
      if (!parked || parked.runId === item.runId) break; // older than the latest status, or our own retry
      await this.writeOutParked(latestKey, parked);
    }
    if (id === undefined && latest?.pendingRun && (latest.pendingRun as HistoryItem).runId !== item.runId) {
      throw new Error(`job ${item.jobKey}: the latest status stayed blocked by other reports' runs; retry`);
    }
    const committed = id !== undefined;
    const stored = await this.putHistory(item);
    if (committed || (latest?.pendingRun as HistoryItem | undefined)?.runId === item.runId) {
      await this.dropParked(latestKey, item.runId).catch(() => undefined); // written out later if this fails
    }
    return {
      id: id ?? String(latest?.id ?? ''),
      duplicate: false,
      committed,
      stored,
      stale: !committed && !sameRun(latest, item),
    };
  }

  /** The commit: returns the status row id, or undefined when the condition held it back. */
  private async commitLatest(item: HistoryItem, latestKind: string, receivedAt: string): Promise<string | undefined> {
    const newId = randomUUID();
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: item.pk, sk: LATEST },
          UpdateExpression:
            'SET #kind = :kind, jobKey = :jobKey, title = :title, toolId = :toolId, lastStatus = :status, ' +
            'lastFinishedAt = :finishedAt, lastMessage = :message, lastRunId = :runId, updatedAt = :now, ' +
            'lastReceivedAt = :now, late = :false, id = if_not_exists(id, :newId), ' +
            'createdAt = if_not_exists(createdAt, :now), pendingRun = :run, pendingRunId = :runId REMOVE lateSince',
          // Newer wins; at the same finished_at the later arrival wins, but never the same run again.
          ConditionExpression:
            '(attribute_not_exists(pk) OR lastFinishedAt < :finishedAt OR ' +
            '(lastFinishedAt = :finishedAt AND lastRunId <> :runId)) AND attribute_not_exists(pendingRunId)',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':kind': latestKind,
            ':jobKey': item.jobKey,
            ':title': item.title,
            ':toolId': item.toolId,
            ':status': item.status,
            ':finishedAt': item.finishedAt,
            ':message': item.message,
            ':runId': item.runId,
            ':now': receivedAt,
            ':false': false,
            ':newId': newId,
            ':run': item,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return typeof result.Attributes?.id === 'string' ? result.Attributes.id : newId;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** true when this call wrote the row, false when it was there already. */
  private async putHistory(item: HistoryItem): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Writes out the parked run of a job's latest status, if any (the watchdog's clean-up); true if there was one. */
  async completeParked(pk: string): Promise<boolean> {
    const latestKey = { pk, sk: LATEST };
    const parked = (await this.readLatest(latestKey))?.pendingRun as HistoryItem | undefined;
    if (!parked) return false;
    await this.writeOutParked(latestKey, parked);
    return true;
  }

  /** Completes another report's interrupted commit: its history row, then its parked copy. */
  private async writeOutParked(latestKey: Record<string, string>, parked: HistoryItem): Promise<void> {
    await this.putHistory(parked);
    await this.dropParked(latestKey, parked.runId);
  }

  private async dropParked(latestKey: Record<string, string>, runId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: latestKey,
          UpdateExpression: 'REMOVE pendingRun, pendingRunId',
          ConditionExpression: 'pendingRunId = :runId',
          ExpressionAttributeValues: { ':runId': runId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // someone else dropped it already
    }
  }

  private async readLatest(key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return result.Item;
  }
}

function sameRun(latest: Record<string, unknown> | undefined, item: HistoryItem): boolean {
  return latest?.lastRunId === item.runId;
}
