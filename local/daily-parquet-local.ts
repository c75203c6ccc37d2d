import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import cdkJson from '../cdk.json';
import { MESSAGES_TABLE_KEYS } from '../contracts/analytics-messages';
import { batchPutMessages } from '../lambdas/daily-parquet/batch-put-messages';
import { seedDemoDays } from '../lambdas/daily-parquet/seed-demo-messages';
import { createKeyedTable } from './job-status-table';

export { type MessageItem, messageItem } from '../lambdas/daily-parquet/demo-messages';

/**
 * The messages table of daily-parquet for local mode and tests, with the key layout the dev stage
 * creates (`tenant_id` + `sk` = `<created_at>#<message_id>`), and demo messages for local mode.
 */

export const LOCAL_MESSAGES_TABLE = 'nightshift-local-messages';

/** Local mode's tenants: TENANT_ID if set (the original daily batch's comma list), else the dev stage's `tenants` in cdk.json. */
export function localTenants(env: NodeJS.ProcessEnv = process.env): string {
  const configured: readonly string[] = cdkJson.context['nightshift:stages'].dev.tenants ?? [];
  return env.TENANT_ID || configured.join(',') || 'default_tenant';
}

/** Creates the table unless it exists; returns whether it was created now. */
export async function createMessagesTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  return createKeyedTable(client, tableName, MESSAGES_TABLE_KEYS);
}

/** BatchWrite in chunks of 25 (DynamoDB's limit), retrying unprocessed items. */
export function putMessages(client: DynamoDBClient, tableName: string, items: readonly object[]): Promise<void> {
  return batchPutMessages(DynamoDBDocumentClient.from(client), tableName, items);
}

/** Local mode's demo days: the last three whole JST days (yesterday is what the 2:00 run writes). */
const LOCAL_DEMO_DAYS = [-1, -2, -3];

/** Creates the table and, when it was new, the demo messages (48 per tenant and day) of the last three JST days. */
export async function seedDemoMessages(
  client: DynamoDBClient,
  tableName: string,
  tenants: readonly string[],
  now = new Date(),
): Promise<number> {
  const created = await createMessagesTable(client, tableName);
  if (!created) return 0;
  const result = await seedDemoDays(DynamoDBDocumentClient.from(client), { tableName, tenants }, now, LOCAL_DEMO_DAYS);
  return result.items;
}
