import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './query-all';

/**
 * When each job is expected to report, kept in the job-status table next to its status rows.
 * All expectations share one partition so the watchdog lists them with a single query
 * (there are tens of them, read every five minutes, so the partition never gets hot).
 */
export interface ExpectationSchedule {
  /** Five-field crons in `timezone`; any of them is an expected run (a registry job may have several). */
  crons: string[];
  /** Alternatively: a report at least every N minutes. */
  everyMinutes?: number;
  /** IANA time zone the crons are read in. */
  timezone: string;
  /** How long after an expected run a report may still arrive before the job counts as late. */
  graceMinutes: number;
  /** A run started and not finished within this many minutes is hung (the watchdog marks it). */
  maxRuntimeMinutes?: number;
  /**
   * Alternatively: one run only, due at this instant (ISO UTC), as an HTTP scheduler `date` job runs
   * (crons empty). Internal: set by the HTTP scheduler on its `source: 'api'` expectations, never
   * accepted from the expectation API. evaluateLateness (expected-runs.ts) says when it is satisfied.
   */
  runOnceAt?: string;
}

export interface Expectation extends ExpectationSchedule {
  jobKey: string;
  /** Shown on the status page while the job has never reported. */
  title?: string;
  /** 'registry' rows are synced by the watchdog from the job registry; 'api' rows were PUT and win over them. */
  source: 'api' | 'registry';
  createdAt: string;
  updatedAt: string;
  /** Set by the watchdog when a job that never reported missed its first window. */
  lateSince?: string;
  /** Set by the watchdog when it cannot evaluate this expectation (e.g. a cron that never runs); cleared by a new one. */
  problem?: string;
  /** Labels for filtering and for whom to call; they win over those of the job's reports. */
  tags?: string[];
  owner?: string | null;
}

export type ExpectationInput = Omit<Expectation, 'createdAt' | 'updatedAt' | 'lateSince' | 'problem'>;

const EXPECTATION_PARTITION = 'EXPECTATION';
const expectationKey = (jobKey: string) => ({ pk: EXPECTATION_PARTITION, sk: `JOB#${jobKey}` });

export class ExpectationStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  async get(jobKey: string): Promise<Expectation | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: expectationKey(jobKey) }));
    return result.Item ? toExpectation(result.Item) : undefined;
  }

  async list(): Promise<Expectation[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': EXPECTATION_PARTITION },
    });
    return items.map(toExpectation);
  }

  /**
   * Creates or replaces a job's expectation; createdAt stays from the first put, and a changed
   * schedule starts a new window (lateSince is cleared). With `onlyOverRegistry`, an expectation
   * set through the API is left alone and undefined is returned.
   */
  async put(input: ExpectationInput, options: { onlyOverRegistry?: boolean } = {}): Promise<Expectation | undefined> {
    const now = this.now().toISOString();
    // Every attribute goes through a name placeholder: DynamoDB reserves words like `timezone` and `source`.
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': now };
    const set: string[] = ['#updatedAt = :now', '#createdAt = if_not_exists(#createdAt, :now)'];
    const remove: string[] = ['#lateSince', '#problem'];
    for (const name of ['updatedAt', 'createdAt', 'lateSince', 'problem']) names[`#${name}`] = name;
    const fields: Record<string, unknown> = {
      jobKey: input.jobKey,
      crons: input.crons,
      everyMinutes: input.everyMinutes,
      timezone: input.timezone,
      graceMinutes: input.graceMinutes,
      maxRuntimeMinutes: input.maxRuntimeMinutes,
      runOnceAt: input.runOnceAt,
      title: input.title,
      source: input.source,
      tags: input.tags,
      owner: input.owner ?? undefined,
    };
    for (const [name, value] of Object.entries(fields)) {
      names[`#${name}`] = name;
      if (value === undefined) remove.push(`#${name}`);
      else {
        set.push(`#${name} = :${name}`);
        values[`:${name}`] = value;
      }
    }
    if (options.onlyOverRegistry) values[':registry'] = 'registry';
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: expectationKey(input.jobKey),
          UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
          ...(options.onlyOverRegistry
            ? { ConditionExpression: 'attribute_not_exists(pk) OR #source = :registry' }
            : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toExpectation(result.Attributes ?? {});
    } catch (error) {
      if (options.onlyOverRegistry && error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Deletes a job's expectation (only one from `onlySource`, when given); returns whether one was deleted. */
  async delete(jobKey: string, options: { onlySource?: Expectation['source'] } = {}): Promise<boolean> {
    try {
      const result = await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: expectationKey(jobKey),
          ...(options.onlySource
            ? {
                ConditionExpression: '#source = :source',
                ExpressionAttributeNames: { '#source': 'source' },
                ExpressionAttributeValues: { ':source': options.onlySource },
              }
            : {}),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return result.Attributes !== undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Records (or clears, with undefined) why the watchdog cannot evaluate this expectation. `seenUpdatedAt` is the
   * updatedAt the watchdog evaluated: an expectation replaced in between keeps its own (clean) state.
   */
  async setProblem(jobKey: string, problem: string | undefined, seenUpdatedAt: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: expectationKey(jobKey),
          UpdateExpression: problem === undefined ? 'REMOVE #problem' : 'SET #problem = :problem',
          ConditionExpression: '#updatedAt = :seen',
          ExpressionAttributeNames: { '#problem': 'problem', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: {
            ':seen': seenUpdatedAt,
            ...(problem === undefined ? {} : { ':problem': problem }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Marks a never-reported job late, once (the first lateSince stays). Returns whether it was marked now. */
  async markNeverReportedLate(jobKey: string, lateSince: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: expectationKey(jobKey),
          UpdateExpression: 'SET lateSince = :lateSince',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(lateSince)',
          ExpressionAttributeValues: { ':lateSince': lateSince },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toExpectation(item: Record<string, unknown>): Expectation {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return { crons: [], ...rest } as unknown as Expectation;
}
