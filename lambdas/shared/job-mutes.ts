import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { MUTE_PARTITION, muteKey } from './mute-keys';
import { queryAll } from './query-all';

/**
 * Mutes: a job on-call knows about (a planned outage, a broken upstream) keeps recording runs and
 * shows muted, but its errors, lateness and hangs do not count toward the alarms until `until`.
 * Kept in the job-status table in one partition, as expectations are, so the watchdog and the job
 * list read every mute with one query (there are a handful at a time). An expired mute needs no
 * action: it simply no longer counts, and the table's TTL removes the row a week later.
 */
export interface JobMute {
  jobKey: string;
  /** ISO 8601 UTC: muted while now < until. */
  until: string;
  reason: string;
  mutedAt: string;
}

/** An expired mute stays readable this long (what was muted last week, and why), then TTL removes it. */
const KEEP_EXPIRED_DAYS = 7;

export function isMuteActive(mute: Pick<JobMute, 'until'> | undefined, now: Date): boolean {
  return mute !== undefined && Date.parse(mute.until) > now.getTime();
}

export class JobMuteStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(jobKey: string): Promise<JobMute | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: muteKey(jobKey) }));
    return result.Item ? toMute(result.Item) : undefined;
  }

  /** Every stored mute, active or expired (isMuteActive tells them apart). */
  async list(): Promise<JobMute[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': MUTE_PARTITION },
    });
    return items.map(toMute);
  }

  /** The active mutes by job_key. */
  async activeAt(now: Date): Promise<Map<string, JobMute>> {
    const mutes = (await this.list()).filter((mute) => isMuteActive(mute, now));
    return new Map(mutes.map((mute) => [mute.jobKey, mute]));
  }

  /** Creates or replaces a job's mute. */
  async put(mute: JobMute): Promise<void> {
    const expiresAt = Math.floor(Date.parse(mute.until) / 1000) + KEEP_EXPIRED_DAYS * 86_400;
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { ...muteKey(mute.jobKey), ...mute, expiresAt } }),
    );
  }

  /** Removes a job's mute; returns the one removed (undefined when there was none). */
  async delete(jobKey: string): Promise<JobMute | undefined> {
    const result = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: muteKey(jobKey), ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes ? toMute(result.Attributes) : undefined;
  }
}

function toMute(item: Record<string, unknown>): JobMute {
  return {
    jobKey: String(item.jobKey),
    until: String(item.until),
    reason: String(item.reason),
    mutedAt: String(item.mutedAt),
  };
}

/**
 * Whether a job's error counts toward the alarms now: not while it is muted. A mute that cannot be
 * read counts the error: an alarm too many beats one lost.
 */
export async function countsTowardAlarms(
  mutes: Pick<JobMuteStore, 'get'>,
  jobKey: string,
  now: Date,
  onReadError: (error: Error) => void = () => undefined,
): Promise<boolean> {
  try {
    return !isMuteActive(await mutes.get(jobKey), now);
  } catch (error) {
    onReadError(error as Error);
    return true;
  }
}
