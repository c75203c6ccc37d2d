import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { latestStatusUpdate } from './latest-status-update';

/**
 * How one run becomes a history row plus the job's latest status, as if in one transaction.
 *
 * The job-report API and the job runner do it without a transaction (a transaction costs two write
 * units per item; the HTTP job caller, which commits its lease and run record in the same step, uses
 * runCommitWrites below). The latest-status row is the commit record: one conditional update (atomic
 * on its own) moves it to the run and parks the run's history row in it (attribute `parked:<runId>`, listed in the string set `parkedRunIds`);
 * the history row is written next and the parked copy dropped last. A retry, the job's next report or
 * the watchdog writes out what an interrupted report left parked (over a minute), so a run that reached
 * the latest status always reaches the history, even if its reporter never retries.
 *
 *   1. history row exists        → a redelivery: nothing changes (not even lastReceivedAt or a late mark)
 *   2. commit latest (if newer)  → the older-report rule is the condition; concurrent reports each park their own
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
const PARKED_PREFIX = 'parked:';
const parkedAttribute = (runId: string) => `${PARKED_PREFIX}${runId}`;
/** A run parked this long is no report in progress any more: its reporter failed or gave up. */
export const ABANDONED_AFTER_MS = 60_000;

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** Attributes of the commit protocol, which readers of the latest status leave out. */
export function isCommitAttribute(name: string): boolean {
  return name === 'parkedRunIds' || name.startsWith(PARKED_PREFIX);
}

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

    const before = await this.commitLatest(item, latestKind, receivedAt);
    const committed = before !== undefined;
    let id = before?.id;
    let parkedByUs = committed;
    let latest: Record<string, unknown> | undefined;
    if (!committed) {
      latest = await this.readLatest(latestKey);
      id = String(latest?.id ?? '');
      parkedByUs = latest?.[parkedAttribute(item.runId)] !== undefined; // our own earlier, interrupted attempt
    }
    // An outside report closes the run its job-start opened: the history row gets its start and duration.
    const paired = before ? withStartOf(item, before.previous) : item;
    const stored = await this.putHistory(paired);
    if (paired !== item) await this.setTickDuration(latestKey, paired).catch(() => undefined);
    // Best effort: this report is stored either way, and the watchdog sweeps what is left.
    if (before) await this.writeOutAbandoned(latestKey, before.previous, receivedAt).catch(() => undefined);
    if (parkedByUs) await this.dropParked(latestKey, item.runId).catch(() => undefined); // written out later if this fails
    return { id: id ?? '', duplicate: false, committed, stored, stale: !committed && !sameRun(latest, item) };
  }

  /** A run that never moves the latest status (a dry run): its history row only, written once. */
  async recordHistoryOnly(item: HistoryItem): Promise<CommitOutcome> {
    const latest = this.readLatest({ pk: item.pk, sk: LATEST });
    const stored = await this.putHistory(item);
    const id = String((await latest)?.id ?? '');
    return { id, duplicate: !stored, committed: false, stored, stale: true };
  }

  /** The newest tick was written before the start was known (same write): give it its duration. */
  private async setTickDuration(latestKey: Record<string, string>, item: HistoryItem) {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: latestKey,
        UpdateExpression: 'SET recentRuns[0].t = :startedAt, recentRuns[0].d = :duration',
        ConditionExpression: 'recentRuns[0].r = :runId',
        ExpressionAttributeValues: { ':startedAt': item.startedAt, ':duration': item.durationMs, ':runId': item.runId },
      }),
    );
  }

  /** Writes out every run parked in a job's latest status (the watchdog's clean-up); returns how many. */
  async completeParked(pk: string): Promise<number> {
    const latestKey = { pk, sk: LATEST };
    const latest = await this.readLatest(latestKey);
    const runIds = [...((latest?.parkedRunIds as Set<string> | undefined) ?? [])];
    for (const runId of runIds) {
      const parked = latest?.[parkedAttribute(runId)] as HistoryItem | undefined;
      if (parked) await this.putHistory(parked);
      await this.dropParked(latestKey, runId);
    }
    return runIds.length;
  }

  /** Runs parked over a minute before this commit belong to interrupted reports: the next report writes them out. */
  private async writeOutAbandoned(latestKey: Record<string, string>, previous: Record<string, unknown>, now: string) {
    for (const runId of (previous.parkedRunIds as Set<string> | undefined) ?? []) {
      const parked = previous[parkedAttribute(runId)] as HistoryItem | undefined;
      if (!parked || Date.parse(now) - Date.parse(String(parked.receivedAt)) < ABANDONED_AFTER_MS) continue;
      await this.putHistory(parked);
      await this.dropParked(latestKey, runId);
    }
  }

  /** The commit: the status row id and the row as it was, or undefined when the condition held it back. */
  private async commitLatest(
    item: HistoryItem,
    latestKind: string,
    receivedAt: string,
  ): Promise<{ id: string; previous: Record<string, unknown> } | undefined> {
    const newId = randomUUID();
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: item.pk, sk: LATEST },
          ...latestStatusUpdate(item, latestKind, receivedAt, newId, { attribute: parkedAttribute(item.runId) }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      const previous = result.Attributes ?? {};
      return { id: typeof previous.id === 'string' ? previous.id : newId, previous };
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

  private async dropParked(latestKey: Record<string, string>, runId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: latestKey,
          UpdateExpression: 'REMOVE #parked DELETE parkedRunIds :runIds',
          ConditionExpression: 'attribute_exists(#parked)',
          ExpressionAttributeNames: { '#parked': parkedAttribute(runId) },
          ExpressionAttributeValues: { ':runIds': new Set([runId]) },
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

/** One action of a TransactWriteItems request (document client shapes). */
export type TransactWrite = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The same run as two actions of one transaction, for writers that have one to put them in (the HTTP
 * job caller): the history row (written once: a second attempt fails its condition) and, unless
 * `latest` is false, the latest status under the same newer-wins condition. Nothing is parked: both
 * land or neither does. A failed condition cancels the whole transaction; the writer then knows from
 * the cancellation reasons whether the run was stored already (history) or is older (latest).
 */
export function runCommitWrites(
  tableName: string,
  item: HistoryItem,
  latestKind: string,
  receivedAt: string,
  options: { latest: boolean },
): { history: TransactWrite; latest?: TransactWrite } {
  const history: TransactWrite = {
    Put: { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
  };
  if (!options.latest) return { history };
  const update = latestStatusUpdate(item, latestKind, receivedAt, randomUUID());
  return { history, latest: { Update: { TableName: tableName, Key: { pk: item.pk, sk: LATEST }, ...update } } };
}

/** The run with the start its job-start recorded (in `inFlight` before this commit), if that start is not after its end. */
function withStartOf(item: HistoryItem, previous: Record<string, unknown>): HistoryItem {
  const start = previous.inFlight as { startedAt?: unknown } | undefined;
  if (item.startedAt !== undefined || typeof start?.startedAt !== 'string') return item;
  const durationMs = Date.parse(item.finishedAt) - Date.parse(start.startedAt);
  return durationMs >= 0 ? { ...item, startedAt: start.startedAt, durationMs } : item;
}

function sameRun(latest: Record<string, unknown> | undefined, item: HistoryItem): boolean {
  return latest?.lastRunId === item.runId;
}
