import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recentRunTick } from './latest-status-update';
import type { HistoryItem } from './run-commit';

/**
 * Runs in flight: a job-start (outside reporters, the shared runner) leaves the run in the job's
 * latest-status row as `inFlight` = {runId, startedAt, slot?, kind?, hungSince?}, so the list shows
 * it running without another query. One run per job is in flight: a second start replaces the
 * first (as healthchecks.io's start signal resets its timer). The run that next moves the status
 * closes it (latest-status-update.ts moves it to `lastStart`); a run kept in the history only
 * (dry run, backfill, older slot) closes its own start here. The watchdog marks it hung.
 */
export interface RunStart {
  jobKey: string;
  runId: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  /** Shown while the job has no finished run; a later report's title wins. */
  title?: string;
  slot?: string;
  kind?: string;
}

export interface InFlightRun {
  runId: string;
  startedAt: string;
  slot?: string;
  kind?: string;
  /** Set by the watchdog when the run outlived the job's max runtime. */
  hungSince?: string;
}

const LATEST = 'LATEST';
const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

export class InFlightRuns {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly partitionOf: (jobKey: string) => string,
    private readonly newId: () => string,
    private readonly now: () => Date,
  ) {}

  /**
   * Records a start. A start that is not after the job's last finished run is of a run that has
   * finished already (its report arrived first): nothing is marked, and false is returned.
   */
  async recordStart(start: RunStart): Promise<boolean> {
    const inFlight: InFlightRun = {
      runId: start.runId,
      startedAt: start.startedAt,
      ...(start.slot ? { slot: start.slot } : {}),
      ...(start.kind ? { kind: start.kind } : {}),
    };
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.partitionOf(start.jobKey), sk: LATEST },
          UpdateExpression:
            'SET #kind = :kind, jobKey = :jobKey, id = if_not_exists(id, :newId), createdAt = if_not_exists(createdAt, :now), ' +
            `title = ${start.title ? ':title' : 'if_not_exists(title, :title)'}, inFlight = :inFlight`,
          ConditionExpression: 'attribute_not_exists(lastFinishedAt) OR lastFinishedAt < :startedAt',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':kind': 'latest',
            ':jobKey': start.jobKey,
            ':newId': this.newId(),
            ':now': this.now().toISOString(),
            ':title': start.title ?? start.jobKey,
            ':inFlight': inFlight,
            ':startedAt': start.startedAt,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * A run recorded in the history only: its tick joins the recent runs, and its start, if it is still
   * the one in flight, is closed. Best effort for the tick: the history row is what counts.
   */
  async closeHistoryOnly(item: HistoryItem): Promise<void> {
    const key = { pk: item.pk, sk: LATEST };
    const append = 'SET recentRuns = list_append(:tick, if_not_exists(recentRuns, :noTicks))';
    const values = { ':tick': [recentRunTick(item)], ':noTicks': [] };
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `${append} REMOVE inFlight`,
          ConditionExpression: 'inFlight.runId = :runId',
          ExpressionAttributeValues: { ...values, ':runId': item.runId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      await this.db
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: append,
            ConditionExpression: 'attribute_exists(lastFinishedAt)',
            ExpressionAttributeValues: values,
          }),
        )
        .catch((appendError: unknown) => {
          if (!isConditionFailure(appendError)) throw appendError;
        });
    }
  }

  /** Marks the run in flight hung, once, if it is still `runId`; returns whether it was marked now. */
  async markHung(jobKey: string, runId: string, hungSince: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.partitionOf(jobKey), sk: LATEST },
          UpdateExpression: 'SET inFlight.hungSince = :hungSince',
          ConditionExpression: 'inFlight.runId = :runId AND attribute_not_exists(inFlight.hungSince)',
          ExpressionAttributeValues: { ':runId': runId, ':hungSince': hungSince },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
