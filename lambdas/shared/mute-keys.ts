import type { TransactWrite } from './run-commit';

/**
 * Where a job's mute lives in the job-status table (job-mutes.ts reads and writes it), apart from
 * that store so a writer's transaction can check a mute without carrying the store's calls.
 */
export const MUTE_PARTITION = 'MUTE';
export const muteKey = (jobKey: string) => ({ pk: MUTE_PARTITION, sk: `JOB#${jobKey}` });

/**
 * A transaction's check that the job is not muted at `now` (no mute, or one that has ended): it fails
 * while the job is muted, which tells the writer not to count the run's failure toward the alarm.
 */
export function unmutedCheck(tableName: string, jobKey: string, now: Date): TransactWrite {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: muteKey(jobKey),
      // ISO UTC strings of one shape compare as time.
      ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now',
      ExpressionAttributeNames: { '#until': 'until' },
      ExpressionAttributeValues: { ':now': now.toISOString() },
    },
  };
}
