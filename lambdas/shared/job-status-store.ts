import { createHash, randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ExpectationStore } from './expectation-store';

/**
 * The job-status store: latest status per job_key plus a run history, in one DynamoDB table
 * (key names as in lib/tables.ts). Written by the job-report API and by the shared job runner,
 * so built-in and outside jobs show up alike.
 */
export type RunStatus = 'success' | 'error';

export interface RunReport {
  jobKey: string;
  title: string;
  status: RunStatus;
  /** ISO 8601; stored normalised to UTC. */
  finishedAt: string;
  startedAt?: string;
  toolId?: string | null;
  message?: string | null;
  /** Where the report came from: an outside reporter or the built-in runner. */
  source: 'report' | 'runner';
  /** Identifies the run; when absent it is derived from the report content, so a redelivery is stored once. */
  runId?: string;
  durationMs?: number;
  counts?: Record<string, number>;
  /** Job-specific detail (file names, per-recipient results); stored when small enough (DETAILS_MAX_BYTES). */
  details?: Record<string, unknown>;
}

export interface RecordResult {
  /** Stable id of the job's status row (the seed's `job_status.id`). */
  id: string;
  jobKey: string;
  runId: string;
  /** The same run was already stored. */
  duplicate: boolean;
  /** Older than the stored latest status: kept in history only. */
  stale: boolean;
}

export interface LatestStatus {
  id: string;
  jobKey: string;
  title: string;
  toolId: string | null;
  lastStatus: RunStatus;
  lastFinishedAt: string;
  lastMessage: string | null;
  lastRunId: string;
  /** When the last report that moved this status arrived (server clock): the job's last check-in. */
  lastReceivedAt?: string;
  late: boolean;
  lateSince?: string;
  createdAt: string;
  updatedAt: string;
}

export interface RunRecord {
  runId: string;
  jobKey: string;
  title: string;
  status: RunStatus;
  finishedAt: string;
  startedAt?: string;
  durationMs?: number;
  message: string | null;
  toolId: string | null;
  source: 'report' | 'runner';
  counts?: Record<string, number>;
  details?: Record<string, unknown>;
  receivedAt: string;
}

const LATEST = 'LATEST';
const LATEST_KIND = 'latest';
const RUN_PREFIX = 'RUN#';
export const DEFAULT_HISTORY_TTL_DAYS = 90;
/** Far below DynamoDB's 400 KB item limit: history rows stay cheap to read in pages. */
const DETAILS_MAX_BYTES = 16_384;

export const jobPartitionKey = (jobKey: string) => `JOB#${jobKey}`;

function contentRunId(report: RunReport, finishedAt: string): string {
  const content = [report.jobKey, finishedAt, report.status, report.title, report.message ?? ''].join('\u0000');
  return createHash('sha256').update(content).digest('hex').slice(0, 24);
}

/** A runs cursor that was not issued for this job (or is not a cursor at all). */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

export class JobStatusStore {
  /** Per-job schedule expectations, kept in the same table. */
  readonly expectations: ExpectationStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: { historyTtlDays?: number; now?: () => Date } = {},
  ) {
    this.expectations = new ExpectationStore(db, tableName, () => this.now());
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** History row first (idempotent), then the latest status if this run is not older than it. */
  async recordRun(report: RunReport): Promise<RecordResult> {
    const finishedAt = new Date(report.finishedAt).toISOString();
    const runId = report.runId ?? contentRunId(report, finishedAt);
    const receivedAt = this.now().toISOString();
    const ttlDays = this.options.historyTtlDays ?? DEFAULT_HISTORY_TTL_DAYS;
    const run: RunRecord = {
      runId,
      jobKey: report.jobKey,
      title: report.title,
      status: report.status,
      finishedAt,
      ...(report.startedAt ? { startedAt: new Date(report.startedAt).toISOString() } : {}),
      ...(report.durationMs !== undefined ? { durationMs: report.durationMs } : {}),
      message: report.message ?? null,
      toolId: report.toolId ?? null,
      source: report.source,
      ...(report.counts ? { counts: report.counts } : {}),
      ...(report.details && JSON.stringify(report.details).length <= DETAILS_MAX_BYTES
        ? { details: report.details }
        : {}),
      receivedAt,
    };
    let duplicate = false;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: jobPartitionKey(report.jobKey),
            sk: `${RUN_PREFIX}${finishedAt}#${runId}`,
            ...run,
            expiresAt: Math.floor(Date.parse(finishedAt) / 1000) + ttlDays * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      duplicate = true; // still (re)apply the latest status below: a retry after a partial failure completes it
    }
    const latest = await this.applyLatest(run, receivedAt);
    if (latest) return { id: latest.id, jobKey: report.jobKey, runId, duplicate, stale: false };
    const current = await this.getLatest(report.jobKey);
    return { id: current?.id ?? '', jobKey: report.jobKey, runId, duplicate, stale: true };
  }

  private async applyLatest(run: RunRecord, now: string): Promise<LatestStatus | undefined> {
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: jobPartitionKey(run.jobKey), sk: LATEST },
          UpdateExpression:
            'SET #kind = :kind, jobKey = :jobKey, title = :title, toolId = :toolId, lastStatus = :status, ' +
            'lastFinishedAt = :finishedAt, lastMessage = :message, lastRunId = :runId, updatedAt = :now, lastReceivedAt = :now, ' +
            'late = :false, id = if_not_exists(id, :newId), createdAt = if_not_exists(createdAt, :now) ' +
            'REMOVE lateSince',
          ConditionExpression: 'attribute_not_exists(pk) OR lastFinishedAt <= :finishedAt',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':kind': LATEST_KIND,
            ':jobKey': run.jobKey,
            ':title': run.title,
            ':toolId': run.toolId,
            ':status': run.status,
            ':finishedAt': run.finishedAt,
            ':message': run.message,
            ':runId': run.runId,
            ':now': now,
            ':false': false,
            ':newId': randomUUID(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toLatest(result.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async getLatest(jobKey: string): Promise<LatestStatus | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: jobPartitionKey(jobKey), sk: LATEST } }),
    );
    return result.Item ? toLatest(result.Item) : undefined;
  }

  /**
   * Marks a job late, once: the first lateSince stays until a report clears it. `seenUpdatedAt` is the
   * updatedAt the caller evaluated; a report that arrived in between wins. Returns whether it was marked now.
   */
  async markLate(jobKey: string, lateSince: string, seenUpdatedAt: string): Promise<boolean> {
    return this.updateLatestIf(jobKey, {
      UpdateExpression: 'SET late = :true, lateSince = :lateSince',
      ConditionExpression: 'updatedAt = :seen AND (attribute_not_exists(late) OR late = :false)',
      ExpressionAttributeValues: { ':true': true, ':false': false, ':lateSince': lateSince, ':seen': seenUpdatedAt },
    });
  }

  /** Clears a late mark whose expectation no longer holds (changed or deleted); reports clear it themselves. */
  async clearLate(jobKey: string, seenUpdatedAt: string): Promise<boolean> {
    return this.updateLatestIf(jobKey, {
      UpdateExpression: 'SET late = :false REMOVE lateSince',
      ConditionExpression: 'updatedAt = :seen AND late = :true',
      ExpressionAttributeValues: { ':true': true, ':false': false, ':seen': seenUpdatedAt },
    });
  }

  private async updateLatestIf(
    jobKey: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({ TableName: this.tableName, Key: { pk: jobPartitionKey(jobKey), sk: LATEST }, ...update }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Every job's latest status, most recent report first. */
  async listLatest(): Promise<LatestStatus[]> {
    const items: LatestStatus[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byKind',
          KeyConditionExpression: '#kind = :kind',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: { ':kind': LATEST_KIND },
          ScanIndexForward: false,
          ExclusiveStartKey: cursor,
        }),
      );
      for (const item of page.Items ?? []) items.push(toLatest(item));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return items;
  }

  /** One job's runs, newest first; pass the returned cursor to get the next page. */
  async listRuns(jobKey: string, page: { limit?: number; cursor?: string } = {}) {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': jobPartitionKey(jobKey), ':prefix': RUN_PREFIX },
        ScanIndexForward: false,
        Limit: page.limit ?? 20,
        ExclusiveStartKey: page.cursor ? decodeRunsCursor(page.cursor, jobKey) : undefined,
      }),
    );
    const runs = (result.Items ?? []).map(({ pk: _pk, sk: _sk, expiresAt: _ttl, ...run }) => run as RunRecord);
    const next = result.LastEvaluatedKey
      ? Buffer.from(JSON.stringify(result.LastEvaluatedKey), 'utf8').toString('base64url')
      : undefined;
    return { runs, nextCursor: next };
  }
  /** One job's runs that finished at or after `sinceIso`, oldest first (every page). */
  async listRunsSince(jobKey: string, sinceIso: string): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': jobPartitionKey(jobKey),
            ':from': `${RUN_PREFIX}${new Date(sinceIso).toISOString()}`,
            ':to': `${RUN_PREFIX}\uffff`,
          },
          ExclusiveStartKey: cursor,
        }),
      );
      for (const { pk: _pk, sk: _sk, expiresAt: _ttl, ...run } of page.Items ?? []) runs.push(run as RunRecord);
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return runs;
  }
}

/** The cursor is the last key of the previous page; it must belong to this job's history. */
function decodeRunsCursor(cursor: string, jobKey: string): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not a runs cursor');
  }
  const { pk, sk } = (key ?? {}) as Record<string, unknown>;
  if (pk !== jobPartitionKey(jobKey) || typeof sk !== 'string' || !sk.startsWith(RUN_PREFIX)) {
    throw new InvalidCursorError(`cursor does not belong to the runs of job_key "${jobKey}"`);
  }
  return { pk, sk };
}

function toLatest(item: Record<string, unknown> | undefined): LatestStatus {
  if (!item) throw new Error('job-status store returned no item');
  const { pk: _pk, sk: _sk, kind: _kind, ...rest } = item;
  return { late: false, toolId: null, lastMessage: null, ...rest } as LatestStatus;
}
