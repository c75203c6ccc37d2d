import { createHash, randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ExpectationStore } from './expectation-store';
import { type InFlightRun, InFlightRuns } from './in-flight-runs';
import { type RecentRunTick, takeDayCounters, takeTicks } from './latest-status-update';
import { decodeCursor, encodeCursor, exactObject } from './page-cursor';
import { queryAll } from './query-all';
import { type HistoryItem, isCommitAttribute, RunCommitter, runCommitWrites } from './run-commit';

/**
 * The job-status store: latest status per job_key plus a run history, in one DynamoDB table
 * (key names as in lib/tables.ts). Written by the job-report API and by the shared job runner,
 * so built-in and outside jobs show up alike.
 */
export type RunStatus = 'success' | 'error';

/**
 * Why a run happened. A built-in or HTTP job's status is the outcome of the latest run of its newest
 * slot: a dry run or a backfill never moves it, and a re-run moves it only when its slot is the newest.
 */
export type RunKind = 'scheduled' | 'rerun' | 'backfill' | 'dry-run' | 'manual' | 'report';

/** Dry runs and backfills go into the history only; every other run may move the status (by the slot rule). */
const historyOnly = (kind: RunKind | undefined) => kind === 'dry-run' || kind === 'backfill';

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
  /** Labels the reporter sent; they move to the latest status with the run ([] or null clears them). */
  tags?: string[];
  owner?: string | null;
  /**
   * The scheduled time the run is for (ISO 8601; built-in and HTTP jobs). With a slot, the newest slot's
   * latest run is the status (an older slot's run goes into the history only); without one, the newest
   * finished_at wins (outside reports).
   */
  slot?: string;
  /** Why it ran; a 'dry-run' or 'backfill' only goes into the history. Default: 'report' for reports, unset for the runner. */
  kind?: RunKind;
}

export interface RecordResult {
  /** Stable id of the job's status row (the TC Portal's `job_status.id`). */
  id: string;
  jobKey: string;
  runId: string;
  /** The same run was already stored. */
  duplicate: boolean;
  /** Older than the stored latest status: kept in history only. */
  stale: boolean;
  /**
   * This call is the one that recorded the run: it moved the latest status to it or wrote its history row.
   * A retry that completes an interrupted first attempt is; a redelivery of a completely stored run is not.
   */
  firstRecorded: boolean;
}

/**
 * A job's latest-status row. A job whose first run has started and not finished (a job-start, the runner's
 * or the HTTP caller's start, in-flight-runs.ts) has a row with its `inFlight` run and no `last*` fields
 * and no `updatedAt` yet: nothing has reported a finished run.
 */
export interface LatestStatus {
  id: string;
  jobKey: string;
  title: string;
  toolId: string | null;
  /** Absent until the job's first run finished. */
  lastStatus?: RunStatus;
  /** Absent until the job's first run finished. */
  lastFinishedAt?: string;
  lastMessage: string | null;
  /** Absent until the job's first run finished. */
  lastRunId?: string;
  /** The slot of the run the status shows (built-in and HTTP jobs). */
  lastSlot?: string;
  /** When the last report that moved this status arrived (server clock): the job's last check-in. */
  lastReceivedAt?: string;
  late: boolean;
  lateSince?: string;
  createdAt: string;
  /** When a report last moved the status; absent until the job's first run finished (a start does not set it). */
  updatedAt?: string;
  /** The labels the last report that carried any sent. */
  tags?: string[];
  owner?: string | null;
  /** The run started and not finished yet (in-flight-runs.ts). */
  inFlight?: InFlightRun;
  /** The start of the run the status shows, when known (its duration: lastFinishedAt - startedAt). */
  lastStart?: { runId: string; startedAt: string } | null;
  consecutiveFailures?: number;
  failingSince?: string;
  /** Compact ticks of the newest runs, newest first (latest-status-update.ts). */
  recentRuns?: RecentRunTick[];
  /** Finished runs and failures per UTC day (latest-status-update.ts), for the 7-day success rate. */
  runsByDay?: Record<string, { runs: number; fails: number }>;
}

/**
 * Whether a report has moved this latest-status row: it then has its last status and the updatedAt a
 * late mark is conditioned on (a report sets them together). A row that only holds a start (the job's
 * first run is in flight) has neither; the views and the watchdog treat it as a job that never reported.
 */
export function hasReported<T extends Pick<LatestStatus, 'lastStatus' | 'updatedAt'>>(
  latest: T | undefined,
): latest is T & { lastStatus: RunStatus; updatedAt: string } {
  return latest?.lastStatus !== undefined && latest.updatedAt !== undefined;
}

/** What listLatestSummaries reads: enough to order and count jobs, without their text. */
export type LatestSummary = Pick<
  LatestStatus,
  | 'jobKey'
  | 'lastStatus'
  | 'lastFinishedAt'
  | 'late'
  | 'lateSince'
  | 'lastReceivedAt'
  | 'updatedAt'
  | 'inFlight'
  | 'title'
  | 'tags'
  | 'owner'
> & {
  /** Runs of reports still being written, or interrupted, waiting to be written to the history (run-commit.ts). */
  parkedRunIds?: Set<string>;
};

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
  tags?: string[];
  owner?: string | null;
  receivedAt: string;
  slot?: string;
  kind?: RunKind;
}

const LATEST = 'LATEST';
const LATEST_KIND = 'latest';
const RUN_PREFIX = 'RUN#';
export const DEFAULT_HISTORY_TTL_DAYS = 90;
/** BatchGetItem takes at most 100 keys; unprocessed ones are retried this many times in all. */
const BATCH_GET_MAX = 100;
const BATCH_GET_ATTEMPTS = 5;
/** Far below DynamoDB's 400 KB item limit: history rows stay cheap to read in pages. */
const DETAILS_MAX_BYTES = 16_384;

export const jobPartitionKey = (jobKey: string) => `JOB#${jobKey}`;

function contentRunId(report: RunReport, finishedAt: string): string {
  // Every field a reporter sends: two tools reporting the same job at the same moment are two runs.
  const content = [report.jobKey, finishedAt, report.status, report.title, report.message ?? '', report.toolId ?? ''];
  return createHash('sha256').update(content.join('\u0000')).digest('hex').slice(0, 24);
}

export { InvalidCursorError } from './page-cursor';

export class JobStatusStore {
  /** Per-job schedule expectations, kept in the same table. */
  readonly expectations: ExpectationStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: { historyTtlDays?: number; now?: () => Date } = {},
  ) {
    this.expectations = new ExpectationStore(db, tableName, () => this.now());
    this.committer = new RunCommitter(db, tableName);
    this.inFlight = new InFlightRuns(db, tableName, jobPartitionKey, randomUUID, () => this.now());
  }

  /** Runs started and not finished (job-start, the runner's start, the watchdog's hung marks). */
  readonly inFlight: InFlightRuns;

  private readonly committer: RunCommitter;

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** The history row and, unless this run is older, the latest status: all or nothing as run-commit.ts explains. */
  async recordRun(report: RunReport): Promise<RecordResult> {
    const { item, receivedAt } = this.historyItem(report);
    const outcome = historyOnly(report.kind)
      ? await this.committer.recordHistoryOnly(item)
      : await this.committer.record(item, LATEST_KIND, receivedAt);
    const { id, duplicate, stale, committed, stored } = outcome;
    // The runner's run kept in the history only still joins the timeline and closes its own start.
    if (report.source === 'runner' && !committed && stored) {
      await this.inFlight.closeHistoryOnly(item).catch(() => undefined);
    }
    return { id, jobKey: report.jobKey, runId: item.runId, duplicate, stale, firstRecorded: committed || stored };
  }

  /**
   * The same run as actions of the writer's own transaction (TransactWriteItems): its history row and,
   * with `latest`, the latest status (run-commit.ts, runCommitWrites).
   */
  runCommitWrites(report: RunReport, options: { latest: boolean }) {
    const { item, receivedAt } = this.historyItem(report);
    const latest = options.latest && !historyOnly(report.kind);
    return runCommitWrites(this.tableName, item, LATEST_KIND, receivedAt, { latest });
  }

  private historyItem(report: RunReport): { item: HistoryItem; receivedAt: string } {
    const finishedAt = new Date(report.finishedAt).toISOString();
    const runId = report.runId ?? contentRunId(report, finishedAt);
    if (!RUN_ID.test(runId)) throw new Error(`runId must match ${RUN_ID}, got "${runId}"`); // it becomes part of a key
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
      ...(report.tags !== undefined ? { tags: report.tags } : {}),
      ...(report.owner !== undefined ? { owner: report.owner } : {}),
      receivedAt,
      ...(report.slot ? { slot: new Date(report.slot).toISOString() } : {}),
      ...(report.kind ? { kind: report.kind } : {}),
    };
    const item: HistoryItem = {
      pk: jobPartitionKey(report.jobKey),
      sk: `${RUN_PREFIX}${finishedAt}#${runId}`,
      ...run,
      expiresAt: Math.floor(Date.parse(finishedAt) / 1000) + ttlDays * 86_400,
    };
    return { item, receivedAt };
  }

  /** Writes interrupted reports' runs to the history if they are still parked in the latest status; returns how many. */
  completeInterruptedRuns(jobKey: string): Promise<number> {
    return this.committer.completeParked(jobPartitionKey(jobKey));
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
   * A row without updatedAt holds only a start (no report yet): it is not marked (the watchdog marks such a
   * job on its expectation, as one that never reported).
   */
  async markLate(jobKey: string, lateSince: string, seenUpdatedAt: string | undefined): Promise<boolean> {
    if (seenUpdatedAt === undefined) return false;
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

  /**
   * Removes a job's latest status (the job was deleted), so /incidents no longer lists it and a new
   * job of the same key starts without it. Its history rows expire with their TTL.
   */
  async deleteLatest(jobKey: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: jobPartitionKey(jobKey), sk: LATEST } }),
    );
  }

  /**
   * Every job's latest status, most recent report first; jobs that never finished a run (only started) come
   * last, by job_key, as never-reported jobs do on the job list (they have no report to place them by).
   */
  async listLatest(): Promise<LatestStatus[]> {
    return (await this.queryLatest()).map(toLatest);
  }

  /** Every job's latest status without its text (message), in listLatest's order: what ordering and counting need, at any job count. */
  async listLatestSummaries(): Promise<LatestSummary[]> {
    const attributes = ['jobKey', 'lastStatus', 'lastFinishedAt', 'late', 'lateSince', 'lastReceivedAt', 'updatedAt'];
    attributes.push('parkedRunIds', 'inFlight');
    // Short texts the list filters on (?q= matches titles, ?tag= tags) before it pages: a title is at most 200 characters.
    attributes.push('title', 'tags', 'owner');
    const items = await this.queryLatest(attributes);
    return items.map((item) => ({ late: false, ...item }) as LatestSummary);
  }

  /**
   * Every latest-status row, through the index `byKind` (kind, jobKey: lib/tables.ts). Its sort key is one
   * every latest row has, so the index holds all of them, a row that only holds a start too; the order
   * (most recent report first) is set here.
   */
  private async queryLatest(attributes?: readonly string[]): Promise<Record<string, unknown>[]> {
    const names: Record<string, string> = { '#kind': 'kind' };
    for (const [index, name] of (attributes ?? []).entries()) names[`#a${index}`] = name;
    const rows = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'byKind',
      KeyConditionExpression: '#kind = :kind',
      ...(attributes ? { ProjectionExpression: attributes.map((_, index) => `#a${index}`).join(', ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':kind': LATEST_KIND },
    });
    return rows.sort(byLastReport);
  }

  /** The latest status of each job_key given (those that have one), in batches of 100. */
  async getLatestMany(jobKeys: readonly string[]): Promise<LatestStatus[]> {
    const found: LatestStatus[] = [];
    for (let start = 0; start < jobKeys.length; start += BATCH_GET_MAX) {
      let keys = jobKeys
        .slice(start, start + BATCH_GET_MAX)
        .map((jobKey) => ({ pk: jobPartitionKey(jobKey), sk: LATEST }));
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        if (attempt === BATCH_GET_ATTEMPTS) throw new Error(`DynamoDB left ${keys.length} status rows unread`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        found.push(...(result.Responses?.[this.tableName] ?? []).map(toLatest));
        keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
      }
    }
    return found;
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
      ? encodeCursor({ pk: result.LastEvaluatedKey.pk, sk: result.LastEvaluatedKey.sk })
      : undefined;
    return { runs, nextCursor: next };
  }
  /** One job's runs that finished at or after `sinceIso`, oldest first (every page). */
  async listRunsSince(jobKey: string, sinceIso: string): Promise<RunRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': jobPartitionKey(jobKey),
        ':from': `${RUN_PREFIX}${new Date(sinceIso).toISOString()}`,
        ':to': `${RUN_PREFIX}\uffff`,
      },
    });
    return items.map(({ pk: _pk, sk: _sk, expiresAt: _ttl, ...run }) => run as unknown as RunRecord);
  }
}

/**
 * Most recent report first (ISO UTC strings sort as time); rows without a finished run last; then job_key
 * in code-unit order, as the job list breaks ties (job-views.ts compareJobs).
 */
function byLastReport(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const finished = (row: Record<string, unknown>) => (typeof row.lastFinishedAt === 'string' ? row.lastFinishedAt : '');
  const [fa, fb, ka, kb] = [finished(a), finished(b), String(a.jobKey), String(b.jobKey)];
  if (fa !== fb) return fa > fb ? -1 : 1;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** `RUN#<finished_at>#<run id>`: anything else in a cursor was not issued by listRuns. */
const RUN_SORT_KEY = /^RUN#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[A-Za-z0-9._:-]{1,100}$/;
const RUN_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The cursor is the last key of the previous page; it must be a history key of this job. */
export function decodeRunsCursor(cursor: string, jobKey: string): Record<string, string> {
  const shape = (position: unknown) => {
    const key = exactObject(position, ['pk', 'sk']);
    const valid = key && key.pk === jobPartitionKey(jobKey) && typeof key.sk === 'string' && RUN_SORT_KEY.test(key.sk);
    return valid ? { pk: key.pk as string, sk: key.sk as string } : undefined;
  };
  return decodeCursor(cursor, shape, `runs (job_key "${jobKey}")`);
}

function toLatest(item: Record<string, unknown> | undefined): LatestStatus {
  if (!item) throw new Error('job-status store returned no item');
  const { pk: _pk, sk: _sk, kind: _kind, ...rest } = item;
  const runsByDay = takeDayCounters(rest);
  const recentRuns = takeTicks(rest);
  for (const name of Object.keys(rest)) if (isCommitAttribute(name)) delete rest[name];
  return { late: false, toolId: null, lastMessage: null, ...rest, runsByDay, recentRuns } as LatestStatus;
}
